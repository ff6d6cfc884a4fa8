import Foundation
import IR
import Plugins

/// `y = x · σ(x) = x / (1 + e^−x)` on float32, with an 8-wide SIMD kernel
/// (`com.example::FastSwish@1`). One input, one output of the same shape, no
/// attributes.
public final class FastSwishPlugin: Plugin {
    public static let name = "FastSwish"
    public static let version = 1
    public static let domain = "com.example"

    public init(attributes: [String: Attribute]) throws {
        if let extra = attributes.keys.sorted().first {
            throw PluginError.invalidAttribute(plugin: Self.qualifiedName, attribute: extra, reason: "FastSwish takes no attributes")
        }
    }

    public var attributes: [String: Attribute] { [:] }

    public func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType] {
        guard inputs.count == 1, let x = inputs[0], x.dataType == .float32 else {
            throw PluginError.invalidInputs(plugin: Self.qualifiedName, reason: "expects one float32 input, got \(inputs)")
        }
        return [x]
    }

    /// One kernel; a plugin with several lists them all and the builder times each.
    public func tactics(inputShapes: [[Int]]) -> [String] { ["swish.simd8"] }

    public func enqueue(_ call: PluginCall) throws {
        let x = try call.input(0, of: Self.qualifiedName)
        guard let y = call.outputs.first, y.count == x.count, x.dataType == .float32 else {
            throw PluginError.invalidInputs(plugin: Self.qualifiedName, reason: "output does not match input \(x.shape)")
        }
        guard call.tactic == "swish.simd8" || call.tactic == "default" else {
            throw PluginError.unknownTactic(plugin: Self.qualifiedName, tactic: call.tactic)
        }
        let chunk = 8192
        let blocks = (x.count + chunk - 1) / chunk
        let (src, dst, count) = (x.floats, y.floats, x.count)
        call.threads.parallelFor(blocks) { b in
            let start = b * chunk, n = min(chunk, count - start)
            SwishKernel.simd8(src + start, dst + start, n)
        }
    }
}
