/// Errors the commands themselves raise (library errors carry their own types).
enum CLIError: Error, CustomStringConvertible {
    /// A problem with the inputs read from a file, prefixed by the file.
    case inputs(file: String, reason: String)
    /// A loaded input whose shape differs from the one `--shapes` gives.
    case shapeMismatch(file: String, input: String, given: [Int], found: [Int])

    var description: String {
        switch self {
        case .inputs(let f, let r): return "\(f): \(r)"
        case .shapeMismatch(let f, let i, let g, let found):
            return "\(f): input '\(i)' has shape \(found), --shapes gives \(g)"
        }
    }
}
