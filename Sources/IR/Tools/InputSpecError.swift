/// Errors in input specifications given on a command line (`--shapes`,
/// `--valRange`) or in inputs generated from them. Each names the input.
public enum InputSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text does not parse; `option` is the flag it came from.
    case syntax(option: String, entry: String, reason: String)
    case duplicateInput(option: String, input: String)
    case unknownInput(option: String, input: String, inputs: [String])
    case rank(input: String, declared: Int, given: Int)
    case staticDim(input: String, axis: Int, declared: Int, given: Int)
    /// A symbolic dim of an input that `--shapes` does not fix.
    case unresolvedDim(input: String, axis: Int, symbol: String)
    /// An input whose rank the model does not declare and `--shapes` does not give.
    case unknownShape(input: String)
    /// Two inputs give a shared symbol different sizes.
    case conflictingSymbol(symbol: String, first: String, firstSize: Int, second: String, secondSize: Int)
    /// An input whose element type cannot be generated.
    case unsupportedType(input: String, dataType: DataType)
    case invalidRange(input: String, reason: String)

    public var description: String {
        switch self {
        case .syntax(let o, let e, let r): return "\(o) '\(e)': \(r)"
        case .duplicateInput(let o, let i): return "\(o): input '\(i)' is given twice"
        case .unknownInput(let o, let i, let all):
            return "\(o): '\(i)' is not an input of the model (inputs: \(all.joined(separator: ", ")))"
        case .rank(let i, let d, let g): return "--shapes: input '\(i)' has rank \(d) in the model, \(g) dims were given"
        case .staticDim(let i, let a, let d, let g):
            return "--shapes: input '\(i)' dim \(a) is fixed to \(d) in the model, \(g) was given"
        case .unresolvedDim(let i, let a, let s):
            return "input '\(i)' dim \(a) is symbolic ('\(s)'): give its size with --shapes \(i):..."
        case .unknownShape(let i): return "input '\(i)' has no declared shape: give it with --shapes \(i):..."
        case .conflictingSymbol(let s, let f, let fs, let o, let os):
            return "--shapes: dim '\(s)' is \(fs) for input '\(f)' but \(os) for input '\(o)'"
        case .unsupportedType(let i, let t): return "input '\(i)': cannot generate random \(t) values"
        case .invalidRange(let i, let r): return "--valRange: input '\(i)': \(r)"
        }
    }
}
