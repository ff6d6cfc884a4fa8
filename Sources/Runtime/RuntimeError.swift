import IR

/// Errors of loading and running engines. Each case names the plan file,
/// layer, input or value it is about, so a command line prints it as one line.
public enum RuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The manifest was written by another schema than this build reads.
    case manifestSchema(file: String, found: String, expected: String)
    /// The manifest decodes but is inconsistent (a bad index, a missing section).
    case malformedManifest(file: String, reason: String)
    /// A layer names a plugin that is not registered in this process.
    case unregisteredPlugin(file: String, layer: String, plugin: String)
    /// A plugin could not be recreated from the attributes the plan stores.
    case pluginCreation(file: String, layer: String, reason: String)
    /// There is no profile with this index.
    case noSuchProfile(index: Int, count: Int)
    /// An input given to a context is not an engine input, or one is missing.
    case unknownInput(name: String, inputs: [String])
    case missingInput(name: String)
    /// A shape of the wrong rank for an input.
    case inputRank(input: String, expected: Int, found: Int)
    /// A dim of an input shape outside the profile's range.
    case shapeOutsideProfile(input: String, dim: Int, value: Int, min: Int, max: Int, profile: Int)
    /// Two inputs disagree on a shared symbolic dim.
    case conflictingDim(symbol: String, first: String, firstValue: Int, second: String, secondValue: Int)
    /// An input tensor's element type differs from the engine's.
    case inputType(input: String, expected: DataType, found: DataType)
    /// An input tensor's shape differs from the shape set on the context.
    case inputShape(input: String, expected: [Int], found: [Int])
    /// `run` was called before `setInputShapes`.
    case shapesNotSet
    /// A value's shape could not be resolved for the input shapes.
    case unresolvedShape(value: String, layer: String, reason: String)
    /// A value needs more bytes at these shapes than its slot was planned for.
    case capacityExceeded(value: String, needed: Int, planned: Int)
    /// A layer's kernel failed.
    case layer(name: String, reason: String)

    public var description: String {
        switch self {
        case .manifestSchema(let f, let found, let e):
            return "\(f): engine manifest schema '\(found)' is not the one this build reads ('\(e)'); rebuild the engine"
        case .malformedManifest(let f, let r): return "\(f): malformed engine manifest: \(r)"
        case .unregisteredPlugin(let f, let l, let p):
            return "\(f): layer '\(l)' needs plugin \(p), which is not registered (load it with --plugins)"
        case .pluginCreation(let f, let l, let r): return "\(f): layer '\(l)': cannot recreate its plugin: \(r)"
        case .noSuchProfile(let i, let n): return "no optimization profile \(i): the engine has \(n) (0..<\(n))"
        case .unknownInput(let n, let inputs):
            return "'\(n)' is not an input of the engine (inputs: \(inputs.joined(separator: ", ")))"
        case .missingInput(let n): return "input '\(n)' is missing"
        case .inputRank(let n, let e, let f): return "input '\(n)' has rank \(f), the engine expects rank \(e)"
        case .shapeOutsideProfile(let n, let d, let v, let lo, let hi, let p):
            return "input '\(n)' dim \(d) is \(v), outside profile \(p)'s range \(lo)...\(hi)"
        case .conflictingDim(let s, let a, let av, let b, let bv):
            return "dim '\(s)' is \(av) in input '\(a)' but \(bv) in input '\(b)'"
        case .inputType(let n, let e, let f): return "input '\(n)' has dtype \(f), the engine expects \(e)"
        case .inputShape(let n, let e, let f):
            return "input '\(n)' has shape \(f) but the context's shapes were set to \(e) (call setInputShapes)"
        case .shapesNotSet: return "input shapes are not set: call setInputShapes before run"
        case .unresolvedShape(let v, let l, let r): return "layer '\(l)': cannot resolve the shape of '\(v)': \(r)"
        case .capacityExceeded(let v, let n, let p):
            return "value '\(v)' needs \(n) bytes at these shapes but \(p) were planned (shapes beyond the profile's max?)"
        case .layer(let n, let r): return "layer '\(n)': \(r)"
        }
    }
}
