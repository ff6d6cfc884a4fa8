import Debugging
import Foundation
import IR

/// Formatting shared by `plugin test` and `compare`.
enum DebugFormat {
    /// JSON on stdout; infinite errors print as the strings `inf`/`-inf`.
    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// `1x64x13`.
    static func dims(_ shape: [Int]) -> String { shape.isEmpty ? "scalar" : shape.map(String.init).joined(separator: "x") }

    /// `a:1x64x13,b:1`, inputs in the given order.
    static func shapes(_ shapes: [String: [Int]], order: [String]) -> String {
        order.compactMap { n in shapes[n].map { "\(n):\(dims($0))" } }.joined(separator: ",")
    }

    /// `1.23e-05`, or `-` when absent.
    static func error(_ v: Double?) -> String {
        guard let v else { return "-" }
        return String(format: "%.3g", v)
    }

    /// Left-aligned columns separated by two spaces.
    static func table(_ rows: [[String]]) -> String {
        guard let width = rows.map(\.count).max() else { return "" }
        var widths = [Int](repeating: 0, count: width)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        return rows.map { r in
            r.enumerated().map { i, c in i == r.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// Parses `--attribute name=value`: an integer, a float, a list `[1,2]` of
    /// either, or else a string.
    static func attribute(_ entry: String) throws -> (String, Attribute) {
        guard let eq = entry.firstIndex(of: "="), eq != entry.startIndex else {
            throw CLIError.inputs(file: "--attribute", reason: "'\(entry)': expected NAME=VALUE such as epsilon=1e-5")
        }
        let name = String(entry[..<eq]), text = String(entry[entry.index(after: eq)...])
        if text.hasPrefix("[") && text.hasSuffix("]") {
            let items = text.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let ints = items.compactMap { Int($0) }
            if ints.count == items.count { return (name, .ints(ints)) }
            let floats = items.compactMap { Float($0) }
            if floats.count == items.count { return (name, .floats(floats)) }
            throw CLIError.inputs(file: "--attribute", reason: "'\(entry)': a list holds integers or floats")
        }
        if let i = Int(text) { return (name, .int(i)) }
        if let f = Float(text) { return (name, .float(f)) }
        return (name, .string(text))
    }
}
