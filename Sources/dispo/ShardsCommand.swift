import ArgumentParser

struct ShardsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "shards", abstract: "(being written)")
    func run() async throws { throw ValidationError("dispo shards is not available yet") }
}
