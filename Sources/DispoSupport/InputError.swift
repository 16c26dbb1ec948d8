// The one error shape for bad input: which file, where in it, what was expected, what was found,
// and a hint for the fix. Every loader in dispo reports problems through it, so a user always sees
// `FILE:PLACE: expected …, found … (hint)` and never a crash or a bare "invalid data".

/// An input (dataset, shard, manifest, tokenizer, model file, pipeline spec) is not what it should be.
public struct InputError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file (or directory) that holds the problem.
    public var file: String
    /// Where in the file: `line 12`, `block 3`, `$.model.path`, `byte 4096`; nil for the whole file.
    public var place: String?
    /// What should have been there.
    public var expected: String
    /// What was there instead, if it can be shown briefly.
    public var found: String?
    /// How to fix it, e.g. "re-run `dispo shard …`".
    public var hint: String?

    public init(file: String, place: String? = nil, expected: String, found: String? = nil, hint: String? = nil) {
        self.file = file
        self.place = place
        self.expected = expected
        self.found = found
        self.hint = hint
    }

    public var description: String {
        var text = file
        if let place { text += ": \(place)" }
        text += ": expected \(expected)"
        if let found { text += ", found \(found)" }
        if let hint { text += " (\(hint))" }
        return text
    }

    /// A short, printable excerpt of a value for the `found` part of a message.
    public static func excerpt(_ value: String, limit: Int = 60) -> String {
        let flat = value.replacingOccurrences(of: "\n", with: "\\n")
        if flat.count <= limit { return "\"\(flat)\"" }
        return "\"\(flat.prefix(limit))…\" (\(value.utf8.count) bytes)"
    }
}

/// A system call failed on a file: names the file, the operation and errno's text.
public struct SystemError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var operation: String
    public var code: Int32

    public init(file: String, operation: String, code: Int32) {
        self.file = file
        self.operation = operation
        self.code = code
    }

    public var description: String {
        "\(file): \(operation) failed: \(String(cString: strerror(code))) (errno \(code))"
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
