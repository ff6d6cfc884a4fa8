import IR
import Passes
import Plugins

/// Sigmoid·Mul → FastSwish, the fusion the hackathon teams wrote by hand:
///
///     x ──▶ Sigmoid ──▶ Mul ──▶ y
///     └───────────────▶ ┘             ==>   x ──▶ com.example::FastSwish ──▶ y
///
/// Registered before the built-in `Swish` fusion, so it claims the pattern first.
/// Checks: the same `x` feeds both, float32, the Sigmoid has no other consumer.
public struct FastSwishFusion: GraphPass {
    public let name = "FastSwish"

    static let pattern = Pattern.op("Mul", .any("x"), .op("Sigmoid", .any("x")))

    public init() {}

    public func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int {
        guard context.isRegistered(FastSwishPlugin.self) else { return 0 }
        return editor.replaceAll(Self.pattern) { e, m in
            guard context.dataType(of: m["x"]) == .float32 else { return nil }
            return [e.node(for: FastSwishPlugin.self, replacing: m, inputs: [m["x"]], outputs: e.outputs(of: m))]
        }
    }
}
