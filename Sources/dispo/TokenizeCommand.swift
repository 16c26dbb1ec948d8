import ArgumentParser

struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenize", abstract: "(being written)")
    func run() async throws { throw ValidationError("dispo tokenize is not available yet") }
}
