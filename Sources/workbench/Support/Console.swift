import Foundation

/// Printing for the commands: results to stdout, errors and verbose detail to stderr.
enum Console {
    /// Prints `error: <message>` (one line) to stderr and exits with status 1.
    static func fail(_ message: String) -> Never {
        let line = oneLine(message)
        FileHandle.standardError.write(Data("error: \(line)\n".utf8))
        exit(1)
    }

    /// Prints a line to stderr (verbose detail and progress that must not mix with JSON on stdout).
    static func note(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }

    /// An error's one-line description: its `description` when it has one
    /// (every workbench error does), else Foundation's localized text.
    static func describe(_ error: any Error) -> String {
        if error is CocoaError { return error.localizedDescription }
        return String(describing: error)
    }

    /// Joins lines so a message never spans more than one.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// Encodes a report as one JSON object on stdout.
    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        print(String(decoding: data, as: UTF8.self))
    }

    /// `1.2 MB`-style sizes (decimal units, like `ls -h --si`).
    static func bytes(_ n: Int) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(n), unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(n) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// `31,234,567`.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// A statistic with 6 significant digits, or `nan`/`-` when absent.
    static func number(_ v: Double?) -> String {
        guard let v else { return "-" }
        return String(format: "%.6g", v)
    }
}
