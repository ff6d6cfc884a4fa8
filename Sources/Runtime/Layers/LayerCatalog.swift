import IR
import Plugins

/// The engine's built-in layers (standard ops lowered to kernels), all in
/// ``engineDomain``, and how a standard node maps to one of them.
public enum LayerCatalog {
    /// Every engine layer type.
    public static let all: [any Plugin.Type] = [
        ReferenceLayer.self, AliasLayer.self, MatMulLayer.self, BinaryLayer.self, UnaryLayer.self,
        SoftmaxLayer.self, TransposeLayer.self, ConvLayer.self, WhereLayer.self, GatherLayer.self,
    ]

    /// Registers the engine layers (idempotent).
    public static func register(in registry: PluginRegistry = .shared) {
        for t in all where registry.type(domain: t.domain, name: t.name) == nil { registry.register(t) }
    }

    /// The layer kind for a standard node whose input types are known (nil
    /// types mean unknown): a fast kernel when its conditions hold, else
    /// ``ReferenceLayer``.
    public static func layer(for node: Node, inputs: [ValueType?], opset: Int) -> any StandardLayer.Type {
        guard let op = node.op else { return ReferenceLayer.self }
        let floats = inputs.allSatisfy { $0?.dataType == .float32 }
        let ranks = inputs.map { $0?.shape?.rank }
        switch op {
        case _ where AliasLayer.ops.contains(op):
            if op == .dropout, node.outputs.count > 1, !node.outputs[1].isEmpty { return ReferenceLayer.self }
            return AliasLayer.self
        case .matMul:
            guard floats, inputs.count == 2, let ra = ranks[0], let rb = ranks[1], ra >= 2, rb >= 2 else { break }
            return MatMulLayer.self
        case _ where BinaryLayer.ops.contains(op):
            if floats && inputs.count == 2 { return BinaryLayer.self }
        case _ where UnaryLayer.ops.contains(op):
            if floats && inputs.count == 1 { return UnaryLayer.self }
        case .softmax:
            guard floats, let rank = ranks[0], rank >= 1 else { break }
            let axis = (try? node.int("axis", default: opset >= 13 ? -1 : 1)) ?? 0
            if axis == -1 || axis == rank - 1 { return SoftmaxLayer.self }
        case .where:
            if inputs.count == 3, inputs[0]?.dataType == .bool, inputs[1]?.dataType == .float32,
               inputs[2]?.dataType == .float32 { return WhereLayer.self }
        case .gather:
            let axis = (try? node.int("axis", default: 0)) ?? 0
            if axis == 0, inputs.count == 2, let d = inputs[0], d.dataType != .string, (d.shape?.rank ?? 0) >= 1,
               inputs[1]?.dataType == .int64 || inputs[1]?.dataType == .int32 { return GatherLayer.self }
        case .transpose:
            if let t = inputs.first ?? nil, t.dataType != .string { return TransposeLayer.self }
        case .conv:
            let present = inputs.prefix(3).allSatisfy { $0 == nil || $0?.dataType == .float32 }
            if present, inputs.count >= 2, inputs[0] != nil, inputs[1] != nil,
               (ranks[0] ?? ranks[1] ?? 0) >= 3 { return ConvLayer.self }
        default: break
        }
        return ReferenceLayer.self
    }
}
