import Foundation
import IR

/// IR → protobuf conversion for ``ONNXExporter``.
enum ExportEncoder {
    static func modelProto(_ model: Model) -> Onnx_ModelProto {
        var proto = Onnx_ModelProto()
        proto.irVersion = Int64(model.irVersion)
        proto.producerName = model.producerName
        proto.producerVersion = model.producerVersion
        proto.domain = model.domain
        proto.modelVersion = Int64(model.modelVersion)
        proto.docString = model.docString
        var opsets = model.graph.opsetImports
        for domain in customDomains(model.graph) where opsets[domain] == nil { opsets[domain] = 1 }
        proto.opsetImport = opsets.sorted { $0.key < $1.key }.map { domain, version in
            var entry = Onnx_OperatorSetIdProto()
            entry.domain = domain
            entry.version = Int64(version)
            return entry
        }
        proto.graph = graphProto(model.graph)
        proto.metadataProps = model.metadata.sorted { $0.key < $1.key }.map { key, value in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            return entry
        }
        return proto
    }

    /// Every non-default domain used by a node of `graph` or of its subgraphs.
    static func customDomains(_ graph: Graph) -> Set<String> {
        var domains: Set<String> = []
        for node in graph.nodes {
            if !node.domain.isEmpty { domains.insert(node.domain) }
            for attribute in node.attributes.values {
                switch attribute {
                case .graph(let g): domains.formUnion(customDomains(g))
                case .graphs(let gs): for g in gs { domains.formUnion(customDomains(g)) }
                default: continue
                }
            }
        }
        return domains
    }

    static func graphProto(_ graph: Graph) -> Onnx_GraphProto {
        var proto = Onnx_GraphProto()
        proto.name = graph.name
        proto.node = graph.nodes.map(nodeProto)
        proto.input = graph.inputs.map(valueInfoProto)
        proto.output = graph.outputs.map(valueInfoProto)
        proto.initializer = graph.initializers.sorted { $0.key < $1.key }.map { tensorProto($1, name: $0) }
        proto.valueInfo = graph.valueInfo.sorted { $0.key < $1.key }.map { valueInfoProto($0.value) }
        return proto
    }

    static func nodeProto(_ node: Node) -> Onnx_NodeProto {
        var proto = Onnx_NodeProto()
        proto.name = node.name
        proto.opType = node.opType
        if !node.domain.isEmpty { proto.domain = node.domain }
        proto.input = node.inputs
        proto.output = node.outputs
        if !node.docString.isEmpty { proto.docString = node.docString }
        proto.attribute = node.attributes.sorted { $0.key < $1.key }.map { attributeProto($1, name: $0) }
        return proto
    }

    static func attributeProto(_ attribute: Attribute, name: String) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        switch attribute {
        case .float(let v): a.type = .float; a.f = v
        case .int(let v): a.type = .int; a.i = Int64(v)
        case .string(let v): a.type = .string; a.s = Data(v.utf8)
        case .tensor(let t): a.type = .tensor; a.t = tensorProto(t, name: "")
        case .graph(let g): a.type = .graph; a.g = graphProto(g)
        case .type(let t): a.type = .typeProto; a.tp = typeProto(t)
        case .floats(let v): a.type = .floats; a.floats = v
        case .ints(let v): a.type = .ints; a.ints = v.map(Int64.init)
        case .strings(let v): a.type = .strings; a.strings = v.map { Data($0.utf8) }
        case .tensors(let v): a.type = .tensors; a.tensors = v.map { tensorProto($0, name: "") }
        case .graphs(let v): a.type = .graphs; a.graphs = v.map(graphProto)
        case .types(let v): a.type = .typeProtos; a.typeProtos = v.map(typeProto)
        }
        return a
    }

    /// A dense tensor: numeric types in little-endian `raw_data`, strings in `string_data`.
    static func tensorProto(_ tensor: Tensor, name: String) -> Onnx_TensorProto {
        var proto = Onnx_TensorProto()
        if !name.isEmpty { proto.name = name }
        proto.dims = tensor.shape.map(Int64.init)
        proto.dataType = Int32(tensor.dataType.rawValue)
        if case .string(let strings) = tensor.data {
            proto.stringData = strings.map { Data($0.utf8) }
        } else if let raw = RawBytes.encode(tensor.data) {
            proto.rawData = raw
        }
        return proto
    }

    static func valueInfoProto(_ info: ValueInfo) -> Onnx_ValueInfoProto {
        var proto = Onnx_ValueInfoProto()
        proto.name = info.name
        if let type = info.type { proto.type = typeProto(type) }
        if !info.docString.isEmpty { proto.docString = info.docString }
        return proto
    }

    static func typeProto(_ type: ValueType) -> Onnx_TypeProto {
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = Int32(type.dataType.rawValue)
        if let shape = type.shape {
            var shapeProto = Onnx_TensorShapeProto()
            shapeProto.dim = shape.dims.map { dim in
                var d = Onnx_TensorShapeProto.Dimension()
                switch dim {
                case .value(let v): d.dimValue = Int64(v)
                case .symbol(let s): d.dimParam = s
                }
                return d
            }
            tensorType.shape = shapeProto
        }
        var proto = Onnx_TypeProto()
        proto.tensorType = tensorType
        return proto
    }
}
