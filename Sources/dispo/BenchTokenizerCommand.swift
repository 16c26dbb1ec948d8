import ArgumentParser

struct BenchTokenizerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenizer", abstract: "(being written)")
    func run() async throws { throw ValidationError("dispo tokenizer is not available yet") }
}
