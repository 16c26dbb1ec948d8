import ArgumentParser

struct ShardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "shard", abstract: "(being written)")
    func run() async throws { throw ValidationError("dispo shard is not available yet") }
}
