/// Shape and type inference: the element type and (possibly symbolic) shape of
/// every value of a graph, from its inputs, initializers and attributes.
///
/// Rules follow the ONNX operator specification at the graph's opset. Dims
/// keep their symbols (`B`, `T`) and derived dims are canonical ``DimExpr``
/// text (`T-3`, `B*T`, `(T-1)/2`). Like ONNX's data propagation, the contents of
/// small integer tensors computed from shapes (`Shape → Gather → Concat`) are
/// tracked as dims, so a `Reshape` whose target shape is computed at run time
/// still gets a symbolic output shape such as `[B, T, 4, 64]`.
///
/// Ops of custom domains, and results that depend on data that is not known,
/// give nil types rather than errors; inputs that provably cannot go together
/// (MatMul inner dims 3 and 4) throw ``IRError/shapeInference(node:reason:)``.
public enum ShapeInference {
    /// Largest shape tensor whose contents are tracked.
    static let maxTrackedElements = 64

    /// Returns `graph` with `valueInfo` holding an entry for every node output
    /// (nil type where it cannot be inferred), and untyped graph outputs typed.
    public static func infer(_ graph: Graph) throws -> Graph {
        try inferWithValues(graph).graph
    }

    /// Like ``infer(_:)``, and also returns the contents of every shape tensor
    /// whose values could be tracked (static or symbolic), by value name.
    public static func inferWithValues(_ graph: Graph) throws -> (graph: Graph, shapeValues: [String: [Dim]]) {
        var out = graph
        var types: [String: ValueType] = [:]
        var constants: [String: Tensor] = graph.initializers
        var values: [String: [Dim]] = [:]
        for i in graph.inputs { if let t = i.type { types[i.name] = t } }
        for (name, t) in graph.initializers {
            types[name] = ValueType(t.dataType, Shape(t.shape))
            if let v = trackedValue(t) { values[name] = v }
        }
        let opset = graph.opset
        for index in try graph.topologicalOrder() {
            let node = graph.nodes[index]
            let inputTypes = node.inputs.map { $0.isEmpty ? nil : types[$0] ?? graph.type(of: $0) }
            let inputConstants = node.inputs.map { $0.isEmpty ? nil : constants[$0] }
            let inputValues = node.inputs.map { $0.isEmpty ? nil : values[$0] }
            let ctx = InferenceContext(node: node, opset: opset, inputs: inputTypes,
                                       constants: inputConstants, values: inputValues)
            let (outputTypes, outputValue) = try inferNode(ctx)
            for (k, name) in node.outputs.enumerated() where !name.isEmpty {
                let inferred = k < outputTypes.count ? outputTypes[k] : nil
                let type = inferred ?? graph.valueInfo[name]?.type
                    ?? graph.outputs.first(where: { $0.name == name })?.type
                if let type { types[name] = type }
                let doc = graph.valueInfo[name]?.docString ?? ""
                out.valueInfo[name] = ValueInfo(name: name, type: type, docString: doc)
            }
            if let first = node.outputs.first, !first.isEmpty {
                if let v = outputValue { values[first] = v }
                if node.op == .constant, let t = try constantTensor(node) { constants[first] = t }
            }
        }
        for (k, o) in out.outputs.enumerated() where o.type == nil {
            out.outputs[k].type = types[o.name]
        }
        return (out, values)
    }

    /// Infers the output types of one node from its input types and the inputs
    /// that are constants (nil where not). Small integer constants are read as
    /// shape values. Returns one entry per node output (nil when unknown).
    public static func inferNode(_ node: Node, inputs: [ValueType?], constants: [Tensor?],
                                 opset: Int) throws -> [ValueType?] {
        let ctx = InferenceContext(node: node, opset: opset, inputs: inputs, constants: constants,
                                   values: constants.map { $0.flatMap(trackedValue) })
        return try inferNode(ctx).types
    }

    /// Like ``inferNode(_:inputs:constants:opset:)`` with known shape-tensor
    /// contents per input; also returns the contents of the first output when
    /// they can be tracked.
    public static func inferNode(_ node: Node, inputs: [ValueType?], constants: [Tensor?],
                                 shapeValues: [[Dim]?], opset: Int) throws -> (types: [ValueType?], shapeValue: [Dim]?) {
        let ctx = InferenceContext(node: node, opset: opset, inputs: inputs, constants: constants,
                                   values: shapeValues)
        return try inferNode(ctx)
    }

    static func inferNode(_ ctx: InferenceContext) throws -> (types: [ValueType?], shapeValue: [Dim]?) {
        guard let op = ctx.node.op else {
            return ([ValueType?](repeating: nil, count: ctx.node.outputs.count), nil)
        }
        var types = Array(try outputTypes(op, ctx).prefix(ctx.node.outputs.count))
        if types.count < ctx.node.outputs.count {
            types += [ValueType?](repeating: nil, count: ctx.node.outputs.count - types.count)
        }
        var value = try ShapeValues.propagate(op, ctx, outputType: types.first ?? nil)
        if let v = value, v.count > maxTrackedElements { value = nil }
        return (types, value)
    }

    /// The contents of a constant tensor when it is a small integer tensor of rank 0 or 1.
    static func trackedValue(_ t: Tensor) -> [Dim]? {
        guard t.rank <= 1, t.count <= maxTrackedElements, t.dataType.isInteger || t.dataType == .bool,
              let v = t.intValues() else { return nil }
        return v.map(Dim.value)
    }

    /// The one exhaustive switch from op to inference rule: a new ``Op`` case
    /// does not compile until it has a rule here.
    static func outputTypes(_ op: Op, _ ctx: InferenceContext) throws -> [ValueType?] {
        switch op {
        // Elementwise (ShapeInference+Elementwise.swift)
        case .abs, .neg, .sqrt, .reciprocal, .exp, .log, .erf, .tanh, .sigmoid, .relu, .gelu,
             .floor, .ceil, .sin, .cos, .sign, .leakyRelu, .softplus, .hardSigmoid, .not, .identity,
             .clip, .cumSum, .trilu:
            return [ctx.type(0)]
        case .dropout: return try dropout(ctx)
        case .cast: return [try cast(ctx)]
        case .castLike: return [castLike(ctx)]
        case .add, .sub, .mul, .div, .pow, .mod, .min, .max:
            return [try broadcastOp(ctx, dataType: ctx.dataType(0))]
        case .equal, .less, .greater, .greaterOrEqual, .lessOrEqual, .and, .or, .xor:
            return [try broadcastOp(ctx, dataType: .bool)]
        case .where: return [try whereOp(ctx)]
        // Normalization (ShapeInference+Normalization.swift)
        case .softmax, .logSoftmax: return [try softmax(ctx)]
        case .batchNormalization: return try batchNormalization(ctx)
        case .layerNormalization: return try layerNormalization(ctx)
        case .reduceMean, .reduceSum, .reduceMax, .reduceMin, .reduceProd: return [try reduce(op, ctx)]
        // Linear algebra and convolution (ShapeInference+LinearAlgebra.swift)
        case .matMul: return [try matMul(ctx)]
        case .gemm: return [try gemm(ctx)]
        case .conv: return [try conv(ctx)]
        // Shape and data movement (ShapeInference+ShapeOps.swift, +Reshape.swift)
        case .shape: return [try shapeOp(ctx)]
        case .size: return [ValueType(.int64, [])]
        case .gather: return [try gather(ctx)]
        case .gatherND: return [try gatherND(ctx)]
        case .unsqueeze: return [try unsqueeze(ctx)]
        case .squeeze: return [try squeeze(ctx)]
        case .concat: return [try concat(ctx)]
        case .slice: return [try slice(ctx)]
        case .reshape: return [try reshape(ctx)]
        case .transpose: return [try transpose(ctx)]
        case .expand: return [try expand(ctx)]
        case .range: return [try range(ctx)]
        case .constantOfShape: return [try constantOfShape(ctx)]
        case .constant: return [try constant(ctx)]
        case .split: return try split(ctx)
        case .flatten: return [try flatten(ctx)]
        case .tile: return [try tile(ctx)]
        case .pad: return [try pad(ctx)]
        }
    }
}
