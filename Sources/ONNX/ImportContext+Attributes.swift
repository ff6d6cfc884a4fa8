import Foundation
import IR

// Node attributes, value infos and type protos.
extension ImportContext {
    func attribute(_ a: Onnx_AttributeProto, node: String, opsets: [String: Int]) throws -> Attribute {
        func fail(_ reason: String) -> ONNXError {
            .invalidAttribute(path: source, node: node, attribute: a.name, reason: reason)
        }
        if !a.refAttrName.isEmpty {
            throw fail("refers to function attribute '\(a.refAttrName)' outside a function")
        }
        let tensorName = "\(node).\(a.name)"
        func named(_ t: Onnx_TensorProto) -> String { t.name.isEmpty ? tensorName : t.name }
        switch a.type == .undefined ? Self.inferredKind(a) : a.type {
        case .float: return .float(a.f)
        case .int: return .int(Int(truncatingIfNeeded: a.i))
        case .string: return .string(String(decoding: a.s, as: UTF8.self))
        case .tensor: return .tensor(try tensor(a.t, name: named(a.t)))
        case .sparseTensor: return .tensor(try sparseTensor(a.sparseTensor, name: named(a.sparseTensor.values)))
        case .graph: return .graph(try graph(a.g, opsets: opsets))
        case .typeProto: return .type(try attributeType(a.tp, fail: fail))
        case .floats: return .floats(a.floats)
        case .ints: return .ints(a.ints.map { Int(truncatingIfNeeded: $0) })
        case .strings: return .strings(a.strings.map { String(decoding: $0, as: UTF8.self) })
        case .tensors: return .tensors(try a.tensors.map { try tensor($0, name: named($0)) })
        case .sparseTensors:
            return .tensors(try a.sparseTensors.map { try sparseTensor($0, name: named($0.values)) })
        case .graphs: return .graphs(try a.graphs.map { try graph($0, opsets: opsets) })
        case .typeProtos: return .types(try a.typeProtos.map { try attributeType($0, fail: fail) })
        case .undefined: throw fail("has no type and no value")
        }
    }

    /// The kind of an attribute written without its `type` field (IR version 1 files).
    private static func inferredKind(_ a: Onnx_AttributeProto) -> Onnx_AttributeProto.AttributeType {
        if a.hasF { return .float }
        if a.hasI { return .int }
        if a.hasS { return .string }
        if a.hasT { return .tensor }
        if a.hasG { return .graph }
        if a.hasSparseTensor { return .sparseTensor }
        if a.hasTp { return .typeProto }
        if !a.floats.isEmpty { return .floats }
        if !a.ints.isEmpty { return .ints }
        if !a.strings.isEmpty { return .strings }
        if !a.tensors.isEmpty { return .tensors }
        if !a.graphs.isEmpty { return .graphs }
        if !a.sparseTensors.isEmpty { return .sparseTensors }
        if !a.typeProtos.isEmpty { return .typeProtos }
        return .undefined
    }

    private func attributeType(_ t: Onnx_TypeProto, fail: (String) -> ONNXError) throws -> ValueType {
        guard case .tensorType? = t.value else { throw fail("only tensor type protos are supported") }
        guard let type = try valueType(t, name: "type attribute") else { throw fail("tensor type has no element type") }
        return type
    }

    func valueInfo(_ v: Onnx_ValueInfoProto) throws -> ValueInfo {
        ValueInfo(name: v.name, type: v.hasType ? try valueType(v.type, name: v.name) : nil, docString: v.docString)
    }

    /// A tensor type as element type and shape; nil for non-tensor types
    /// (sequence, map, optional) and an undefined element type.
    func valueType(_ t: Onnx_TypeProto, name: String) throws -> ValueType? {
        guard case .tensorType(let tensorType)? = t.value, tensorType.elemType != 0 else { return nil }
        guard let dataType = DataType(rawValue: Int(tensorType.elemType)) else {
            throw ONNXError.unknownElementType(path: source, name: name, code: Int(tensorType.elemType))
        }
        guard tensorType.hasShape else { return ValueType(dataType, nil) }
        return ValueType(dataType, Shape(tensorType.shape.dim.map(dim)))
    }

    private func dim(_ d: Onnx_TensorShapeProto.Dimension) -> Dim {
        switch d.value {
        case .dimValue(let v)? where v >= 0: return .value(Int(v))
        case .dimParam(let s)? where !s.isEmpty: return .symbol(s)
        default: return freshSymbol()
        }
    }

    /// `unk__<n>` for the lowest `n` not yet used by this model.
    private func freshSymbol() -> Dim {
        while true {
            let symbol = "unk__\(nextUnknown)"
            nextUnknown += 1
            if !usedSymbols.contains(symbol) { return .symbol(symbol) }
        }
    }

    /// Records every `dim_param` in `g` and its subgraphs into ``usedSymbols``.
    func collectSymbols(in g: Onnx_GraphProto) {
        for v in g.input + g.output + g.valueInfo {
            guard case .tensorType(let t)? = v.type.value else { continue }
            for d in t.shape.dim {
                if case .dimParam(let s)? = d.value { usedSymbols.insert(s) }
            }
        }
        for node in g.node {
            for a in node.attribute {
                if a.hasG { collectSymbols(in: a.g) }
                for sub in a.graphs { collectSymbols(in: sub) }
            }
        }
    }
}
