import IR

/// Errors of building an engine; each names the profile, input, dim or node.
public enum BuilderError: Error, Sendable, Equatable, CustomStringConvertible {
    case noProfiles
    case unknownInput(profile: Int, input: String, inputs: [String])
    case uncoveredInput(profile: Int, input: String)
    case rank(profile: Int, input: String, expected: Int, found: [Int])
    case rangeOrder(profile: Int, input: String, dim: Int, min: Int, opt: Int, max: Int)
    case staticDim(profile: Int, input: String, dim: Int, declared: Int, range: ClosedRange<Int>)
    case inconsistentSymbol(profile: Int, symbol: String, reason: String)
    case unsupportedPrecision(String)
    case lowering(node: String, reason: String)
    case shapes(profile: Int, which: String, reason: String)

    public var description: String {
        switch self {
        case .noProfiles: return "the builder config has no optimization profile (give --minShapes/--optShapes/--maxShapes)"
        case .unknownInput(let p, let n, let inputs):
            return "profile \(p): '\(n)' is not an input of the model (inputs: \(inputs.joined(separator: ", ")))"
        case .uncoveredInput(let p, let n):
            return "profile \(p): input '\(n)' has dynamic dims but no min/opt/max shapes"
        case .rank(let p, let n, let e, let f):
            return "profile \(p): input '\(n)' has rank \(e) but the profile gives \(f)"
        case .rangeOrder(let p, let n, let d, let lo, let opt, let hi):
            return "profile \(p): input '\(n)' dim \(d): need min <= opt <= max, got \(lo), \(opt), \(hi)"
        case .staticDim(let p, let n, let d, let v, let r):
            return "profile \(p): input '\(n)' dim \(d) is \(v) in the model, the profile gives \(r.lowerBound)...\(r.upperBound)"
        case .inconsistentSymbol(let p, let s, let r): return "profile \(p): dim '\(s)': \(r)"
        case .unsupportedPrecision(let p): return "precision \(p) is not supported (fp32 only)"
        case .lowering(let n, let r): return "node \(n): \(r)"
        case .shapes(let p, let w, let r): return "profile \(p) (\(w) shapes): \(r)"
        }
    }
}
