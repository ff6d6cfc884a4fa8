import Foundation
import IR
import Plugins

/// Reshape, Squeeze, Unsqueeze, Flatten, Identity and inference-mode Dropout:
/// the output has the input's bytes under another shape. The memory planner
/// gives the output the input's slot, so the layer does nothing; when the
/// input lives elsewhere (a weight, a shape-time value) it copies.
public final class AliasLayer: StandardLayer {
    public static let name = "Alias"
    public static let version = 1
    public static let domain = engineDomain

    public let standard: StandardOp

    public init(attributes: [String: Attribute]) throws {
        standard = try StandardOp(attributes: attributes, plugin: Self.name)
    }

    /// The ops this layer can stand for.
    public static let ops: Set<Op> = [.reshape, .squeeze, .unsqueeze, .flatten, .identity, .dropout]

    public func tactics(inputShapes: [[Int]]) -> [String] { ["alias"] }

    public func enqueue(_ call: PluginCall) throws {
        let input = try call.input(0, of: Self.name)
        guard let output = call.outputs.first else { return }
        guard output.byteCount == input.byteCount else {
            throw PluginError.invalidInputs(plugin: Self.name,
                reason: "input has \(input.byteCount) bytes, output \(output.byteCount)")
        }
        if output.data != input.data { output.data.copyMemory(from: input.data, byteCount: input.byteCount) }
        // Dropout's optional mask output: all true in inference mode.
        if call.outputs.count > 1 {
            let mask = call.outputs[1]
            memset(mask.data, 1, mask.byteCount)
        }
    }
}
