/// A Python literal, as far as `.npy` headers use them.
enum PyLiteral: Equatable, CustomStringConvertible {
    case string(String)
    case int(Int)
    case bool(Bool)
    case none
    case tuple([PyLiteral])
    case list([PyLiteral])

    var description: String {
        switch self {
        case .string(let s): return "'\(s)'"
        case .int(let v): return String(v)
        case .bool(let b): return b ? "True" : "False"
        case .none: return "None"
        case .tuple(let items): return "(" + items.map(\.description).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        }
    }
}

/// A recursive-descent parser for the dictionary literal of a `.npy` header:
/// strings, integers (with Python 2's `L` suffix), `True`/`False`/`None`,
/// tuples and lists. Nesting is limited, so hostile headers cannot exhaust the stack.
struct PyLiteralParser {
    /// Header bytes, read as latin-1 (the keys and values NumPy writes are ASCII).
    private let chars: [Unicode.Scalar]
    private var pos = 0
    private var depth = 0
    private static let maxDepth = 16

    init<Bytes: Sequence<UInt8>>(_ bytes: Bytes) { chars = bytes.map { Unicode.Scalar($0) } }

    mutating func parseDictionary() throws(HeaderProblem) -> [String: PyLiteral] {
        skipSpace()
        try expect("{")
        var dict: [String: PyLiteral] = [:]
        skipSpace()
        while peek != "}" {
            guard case .string(let key) = try parseValue() else { throw HeaderProblem("dictionary key is not a string") }
            skipSpace()
            try expect(":")
            let value = try parseValue()
            if dict[key] != nil { throw HeaderProblem("key '\(key)' appears twice") }
            dict[key] = value
            skipSpace()
            if peek == "," { pos += 1; skipSpace() } else if peek != "}" { throw unexpected("',' or '}'") }
        }
        pos += 1
        skipSpace()
        guard pos == chars.count else { throw HeaderProblem("text after the dictionary") }
        return dict
    }

    private mutating func parseValue() throws(HeaderProblem) -> PyLiteral {
        skipSpace()
        guard let c = peek else { throw HeaderProblem("header ends inside the dictionary") }
        switch c {
        case "'", "\"": return .string(try parseString(quote: c))
        case "(": return .tuple(try parseSequence(close: ")"))
        case "[": return .list(try parseSequence(close: "]"))
        case "-", "0"..."9": return .int(try parseInt())
        default:
            for (word, value) in [("True", PyLiteral.bool(true)), ("False", .bool(false)), ("None", .none)]
            where hasPrefix(word) {
                pos += word.count
                return value
            }
            throw unexpected("a value")
        }
    }

    private mutating func parseSequence(close: Unicode.Scalar) throws(HeaderProblem) -> [PyLiteral] {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw HeaderProblem("literal nested too deeply") }
        pos += 1
        var items: [PyLiteral] = []
        skipSpace()
        while peek != close {
            items.append(try parseValue())
            skipSpace()
            if peek == "," { pos += 1; skipSpace() } else if peek != close { throw unexpected("',' or '\(close)'") }
        }
        pos += 1
        return items
    }

    private mutating func parseString(quote: Unicode.Scalar) throws(HeaderProblem) -> String {
        pos += 1
        var out = ""
        while let c = peek {
            pos += 1
            if c == quote { return out }
            if c == "\\" {
                guard let next = peek else { break }
                pos += 1
                out.unicodeScalars.append(next)
            } else {
                out.unicodeScalars.append(c)
            }
        }
        throw HeaderProblem("unterminated string")
    }

    private mutating func parseInt() throws(HeaderProblem) -> Int {
        var text = ""
        if peek == "-" { text.append("-"); pos += 1 }
        while let c = peek, ("0"..."9").contains(c) { text.unicodeScalars.append(c); pos += 1 }
        if peek == "L" { pos += 1 }  // Python 2 long
        guard let v = Int(text) else { throw HeaderProblem("integer '\(text)' is malformed or too large") }
        return v
    }

    private var peek: Unicode.Scalar? { pos < chars.count ? chars[pos] : nil }

    private func hasPrefix(_ word: String) -> Bool {
        let w = Array(word.unicodeScalars)
        return pos + w.count <= chars.count && Array(chars[pos..<(pos + w.count)]) == w
    }

    private mutating func skipSpace() {
        while let c = peek, c == " " || c == "\n" || c == "\t" || c == "\r" { pos += 1 }
    }

    private mutating func expect(_ c: Unicode.Scalar) throws(HeaderProblem) {
        guard peek == c else { throw unexpected("'\(c)'") }
        pos += 1
    }

    private func unexpected(_ what: String) -> HeaderProblem {
        let found = peek.map { "'\($0)'" } ?? "the end"
        return HeaderProblem("expected \(what) at offset \(pos), found \(found)")
    }
}
