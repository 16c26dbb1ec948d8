// Paths of files in the repository the harnesses read (the built-in tokenizer, compact tokenizer fixtures,
// the tiny model's config), found from this file's own path.

public enum Repository {
    /// The repository root: this file is Tools/fuzz/Sources/FuzzSupport/Repository.swift.
    public static let root: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(5)
        return parts.joined(separator: "/")
    }()

    public static func path(_ relative: String) -> String { root + "/" + relative }
}
