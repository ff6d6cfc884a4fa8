import IR
import Plugins

/// Every value's concrete shape for one set of input shapes, and the
/// shape-time values computed for them.
public struct ShapeResolution: Sendable {
    /// Concrete shape per value (nil for values no layer reaches).
    public var shapes: [[Int]?]
    /// Shape-time values by value index.
    public var shapeTensors: [Int: Tensor]
}

extension EngineProgram {
    /// The symbol bindings (`B`, `T`) the input shapes give; throws naming
    /// the inputs when two disagree on a shared symbol.
    public func bindings(_ inputShapes: [String: [Int]]) throws -> [String: Int] {
        var bound: [String: (Int, String)] = [:]
        for io in manifest.inputs {
            guard let shape = inputShapes[io.name] else { throw RuntimeError.missingInput(name: io.name) }
            guard shape.count == io.shape.count else {
                throw RuntimeError.inputRank(input: io.name, expected: io.shape.count, found: shape.count)
            }
            for (d, text) in io.shape.enumerated() where Int(text) == nil {
                if let (v, other) = bound[text], v != shape[d] {
                    throw RuntimeError.conflictingDim(symbol: text, first: other, firstValue: v, second: io.name, secondValue: shape[d])
                }
                bound[text] = (shape[d], io.name)
            }
        }
        return bound.mapValues(\.0)
    }

    /// Resolves every value's shape: shape expressions evaluated with the
    /// input symbols bound, shape-stage layers run on tensors, and, where a
    /// value has no expression, its layer's shape inference on concrete shapes.
    ///
    /// - Parameter useExpressions: false infers every shape layer by layer
    ///   (the builder checks the expressions against that).
    public func resolve(_ inputShapes: [String: [Int]], useExpressions: Bool = true) throws -> ShapeResolution {
        let symbols = try bindings(inputShapes)
        var shapes = [[Int]?](repeating: nil, count: manifest.values.count)
        var tensors: [Int: Tensor] = [:]
        for (i, v) in manifest.values.enumerated() where v.storage == .weight {
            shapes[i] = try Self.staticShape(v)
        }
        for io in manifest.inputs { shapes[io.value] = inputShapes[io.name] }
        if useExpressions {
            for (i, exprs) in expressions.enumerated() where shapes[i] == nil {
                guard let exprs else { continue }
                let dims = exprs.compactMap { $0.evaluate(symbols) }
                if dims.count == exprs.count, dims.allSatisfy({ $0 >= 0 }) { shapes[i] = dims }
            }
        }
        for (index, layer) in manifest.layers.enumerated() {
            if layer.stage == "shape" {
                let outs = try runShapeLayer(index, shapes: shapes, tensors: tensors)
                for (k, v) in layer.outputs.enumerated() where v >= 0 && k < outs.count {
                    tensors[v] = outs[k]
                    shapes[v] = outs[k].shape
                }
                continue
            }
            guard layer.outputs.contains(where: { $0 >= 0 && shapes[$0] == nil }) else { continue }
            let inferred = try inferShapes(index, shapes: shapes, tensors: tensors)
            for (k, v) in layer.outputs.enumerated() where v >= 0 && shapes[v] == nil { shapes[v] = inferred[k] }
        }
        return ShapeResolution(shapes: shapes, shapeTensors: tensors)
    }

    /// A tensor for value `i` when its contents are known before running (weights, shape-time values).
    func knownTensor(_ i: Int, _ tensors: [Int: Tensor]) -> Tensor? {
        tensors[i] ?? weightTensors[i]
    }

    private func runShapeLayer(_ index: Int, shapes: [[Int]?], tensors: [Int: Tensor]) throws -> [Tensor] {
        let layer = manifest.layers[index]
        guard let reference = plugins[index] as? ReferenceLayer else {
            throw RuntimeError.layer(name: layer.name, reason: "shape-stage layers must be Reference layers")
        }
        // Shape and Size read only their input's shape, which is known by now.
        if reference.standard.op == .shape || reference.standard.op == .size {
            guard let v = layer.inputs.first, v >= 0, let shape = shapes[v] else {
                throw RuntimeError.unresolvedShape(value: manifest.values[layer.outputs[0]].name, layer: layer.name,
                                                   reason: "the input's shape is unknown")
            }
            if reference.standard.op == .size { return [Tensor(scalar: Int64(Shapes.count(shape)))] }
            let rank = shape.count
            func clamp(_ a: Int) -> Int { min(max(a < 0 ? a + rank : a, 0), rank) }
            let start = clamp(try reference.standard.node.int("start", default: 0)!)
            let end = clamp(try reference.standard.node.int("end", default: rank)!)
            let dims = start < end ? Array(shape[start..<end]) : []
            return [Tensor(dims.map(Int64.init), shape: [dims.count])]
        }
        var inputs: [Tensor?] = []
        for v in layer.inputs {
            if v < 0 { inputs.append(nil); continue }
            guard let t = knownTensor(v, tensors) else {
                throw RuntimeError.layer(name: layer.name, reason: "shape-stage input '\(manifest.values[v].name)' has no value")
            }
            inputs.append(t)
        }
        do {
            return try reference.run(tensors: inputs)
        } catch {
            throw RuntimeError.layer(name: layer.name, reason: "\(error)")
        }
    }

    private func inferShapes(_ index: Int, shapes: [[Int]?], tensors: [Int: Tensor]) throws -> [[Int]?] {
        let layer = manifest.layers[index]
        var types: [ValueType?] = []
        var constants: [Tensor?] = []
        for v in layer.inputs {
            guard v >= 0 else { types.append(nil); constants.append(nil); continue }
            guard let s = shapes[v] else {
                throw RuntimeError.unresolvedShape(value: manifest.values[v].name, layer: layer.name, reason: "input shape unknown")
            }
            types.append(ValueType(dataTypes[v], Shape(s)))
            constants.append(knownTensor(v, tensors))
        }
        let result: [ValueType?]
        do {
            if let standard = plugins[index] as? any StandardLayer {
                result = try ShapeInference.inferNode(standard.standard.node, inputs: types, constants: constants,
                                                      opset: standard.standard.opset)
            } else {
                result = try plugins[index].outputTypes(types)
            }
        } catch {
            throw RuntimeError.unresolvedShape(value: layer.outputs.first.map { $0 >= 0 ? manifest.values[$0].name : "-" } ?? "-",
                                               layer: layer.name, reason: "\(error)")
        }
        return try layer.outputs.enumerated().map { k, v in
            guard v >= 0 else { return nil }
            guard k < result.count, let sizes = result[k]?.shape?.staticSizes else {
                throw RuntimeError.unresolvedShape(value: manifest.values[v].name, layer: layer.name,
                                                   reason: "shape inference gives no concrete shape")
            }
            return sizes
        }
    }
}
