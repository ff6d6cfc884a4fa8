/// What an inference rule sees of one node: its attributes, the opset, the
/// types of its inputs, the inputs that are constants, and the propagated
/// contents of small integer inputs (shape tensors) as dims.
struct InferenceContext {
    let node: Node
    let opset: Int
    let inputs: [ValueType?]
    let constants: [Tensor?]
    /// Known contents of rank-0/1 integer inputs (static or symbolic), by input position.
    let values: [[Dim]?]

    /// An error naming this node.
    func fail(_ reason: String) -> IRError { .shapeInference(node: node.label, reason: reason) }

    /// True when input `i` is present (not omitted, not past the end).
    func has(_ i: Int) -> Bool { node.input(i) != nil }

    /// The type of input `i`, when known.
    func type(_ i: Int) -> ValueType? { i < inputs.count && has(i) ? inputs[i] : nil }

    /// The shape of input `i`, when its rank is known.
    func shape(_ i: Int) -> Shape? { type(i)?.shape }

    /// The element type of input `i`, when known.
    func dataType(_ i: Int) -> DataType? { type(i)?.dataType }

    /// The constant tensor at input `i`, when it is one.
    func constant(_ i: Int) -> Tensor? { i < constants.count && has(i) ? constants[i] : nil }

    /// The contents of input `i` as dims: from a constant integer tensor, or propagated.
    func dims(_ i: Int) -> [Dim]? {
        guard has(i) else { return nil }
        if let t = constant(i), t.dataType.isInteger || t.dataType == .bool, let v = t.intValues() {
            return v.map(Dim.value)
        }
        return i < values.count ? values[i] : nil
    }

    /// The contents of input `i` when they are all static.
    func ints(_ i: Int) -> [Int]? {
        guard let d = dims(i) else { return nil }
        var out: [Int] = []
        for x in d {
            guard let v = x.value else { return nil }
            out.append(v)
        }
        return out
    }

    /// Axes given either by attribute `name` (before `inputSince`) or by input `index`
    /// (from `inputSince` on). Returns `.unknown` when the input is not a constant.
    func axes(attribute name: String = "axes", input index: Int, inputSince: Int) throws -> Axes {
        if opset < inputSince {
            guard let a = try node.ints(name) else { return .absent }
            return .known(a)
        }
        guard has(index) else { return .absent }
        guard let a = ints(index) else { return .unknown }
        return .known(a)
    }

    /// Normalizes `axis` against `rank`, throwing a node error when out of range.
    func axis(_ axis: Int, rank: Int, what: String = "axis") throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < rank else { throw fail("\(what) \(axis) is out of range for rank \(rank)") }
        return a
    }

    /// Normalizes a list of axes, rejecting duplicates.
    func axes(_ list: [Int], rank: Int) throws -> [Int] {
        let out = try list.map { try axis($0, rank: rank) }
        guard Set(out).count == out.count else { throw fail("axes \(list) repeat an axis") }
        return out
    }

    /// A required input's type, or nil; throws when the input itself is missing.
    func requireInput(_ i: Int) throws {
        guard has(i) else { throw fail("required input \(i) is missing") }
    }
}

/// Axes of an op: given, not given (the op's default applies), or given by a
/// non-constant input (the output rank may still be known).
enum Axes {
    case known([Int])
    case absent
    case unknown
}
