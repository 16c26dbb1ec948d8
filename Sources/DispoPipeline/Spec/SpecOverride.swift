// `--set path=value`: overrides applied to the parsed spec before it is read. The path is dotted
// (`rollout.temperature`, `optimizer.lr`); the value is JSON (`0.7`, `"cosine"`, `true`), or taken as a
// string when it is not valid JSON. Missing intermediate objects are created; the override then goes
// through the same strict reading as the file, so an unknown key is still an error. A path has at most
// `maxDepth` keys (the deepest spec key is 4 deep), so a hostile path cannot exhaust the stack.

import DispoSupport

public enum SpecOverride {
    /// The most keys a dotted path may have.
    public static let maxDepth = 16

    public static func apply(_ assignment: String, to root: JSONNodeValue, file: String) throws -> JSONNodeValue {
        guard let eq = assignment.firstIndex(of: "="), eq != assignment.startIndex else {
            throw InputError(file: "--set", place: assignment, expected: "path=value, e.g. rollout.temperature=0.7")
        }
        let keys = assignment[..<eq].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard keys.count <= maxDepth else {
            throw InputError(file: "--set", place: InputError.excerpt(String(assignment[..<eq]), limit: 40),
                             expected: "a dotted path of at most \(maxDepth) keys", found: "\(keys.count) keys")
        }
        let text = String(assignment[assignment.index(after: eq)...])
        let value: JSONNodeValue
        do {
            value = try JSONParser.parse(text, file: "--set")
        } catch let error as InputError where JSONParser.isValidSyntax(error) {
            throw InputError(file: "--set", place: InputError.excerpt(assignment, limit: 60), expected: error.expected, found: error.found)
        } catch {
            value = JSONNodeValue(value: .string(text), line: 0)   // not JSON: taken as a string
        }
        guard keys.allSatisfy({ !$0.isEmpty }) else {
            throw InputError(file: "--set", place: assignment, expected: "a dotted path of keys")
        }
        return try set(keys[...], value, in: root, assignment: assignment)
    }

    private static func set(_ keys: ArraySlice<String>, _ value: JSONNodeValue, in node: JSONNodeValue,
                            assignment: String) throws -> JSONNodeValue {
        guard let key = keys.first else { return value }
        var members: [(key: String, value: JSONNodeValue)]
        switch node.value {
        case .object(let m): members = m
        case .null: members = []
        default:
            throw InputError(file: "--set", place: assignment, expected: "a path through objects",
                             found: "\(node.value.kindDescription) before \"\(key)\"")
        }
        let child = members.first(where: { $0.key == key })?.value ?? JSONNodeValue(value: .null, line: 0)
        let updated = try set(keys.dropFirst(), value, in: child, assignment: assignment)
        if let i = members.firstIndex(where: { $0.key == key }) { members[i].value = updated } else { members.append((key, updated)) }
        return JSONNodeValue(value: .object(members), line: node.line)
    }
}
