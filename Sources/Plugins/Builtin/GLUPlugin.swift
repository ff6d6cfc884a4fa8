import Foundation
import IR
import Kernels

/// Gated linear unit (`com.workbench::GLU`): the input split in two halves
/// `a`, `b` along `axis`, then `y = a · σ(b)`.
///
/// Input `X` with an even size along `axis`; output like `X` with that size halved.
/// Attribute: `axis` (INT, default -1; negative counts from the end).
/// The gate is eight lanes at a time with a polynomial `exp` (``PluginMath``).
public final class GLUPlugin: Plugin {
    public static let name = "GLU"
    public static let version = 1
    public let axis: Int

    public init(attributes: [String: Attribute]) throws {
        let a = PluginAttributes(Self.qualifiedName, attributes)
        try a.only(["axis"])
        axis = try a.int("axis", default: -1)
    }

    public var attributes: [String: Attribute] { ["axis": .int(axis)] }

    private func resolvedAxis(rank: Int) throws -> Int {
        guard let a = Shapes.normalizeAxis(axis, rank: rank), rank > 0 else {
            throw PluginError.invalidInputs(plugin: Self.qualifiedName, reason: "axis \(axis) is out of range for rank \(rank)")
        }
        return a
    }

    public func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType] {
        let x = try PluginInputs.float(inputs, 0, plugin: Self.qualifiedName)
        guard var s = x.shape else { return [x] }
        let a = try resolvedAxis(rank: s.rank)
        if let n = s[a].value {
            guard n % 2 == 0 else {
                throw PluginError.invalidInputs(plugin: Self.qualifiedName, reason: "size \(n) along axis \(axis) is odd")
            }
            s[a] = .value(n / 2)
        } else {
            guard let half = s[a].floorDivided(by: 2) else { return [ValueType(.float32, nil)] }
            s[a] = half
        }
        return [ValueType(.float32, s)]
    }

    public func enqueue(_ call: PluginCall) throws {
        let x = try call.input(0, of: Self.qualifiedName)
        guard let y = call.outputs.first else { return }
        let a = try resolvedAxis(rank: x.shape.count)
        let outer = Shapes.count(Array(x.shape[..<a])), inner = Shapes.count(Array(x.shape[(a + 1)...]))
        let half = x.shape[a] / 2
        try PluginInputs.check(y, count: outer * half * inner, "output", plugin: Self.qualifiedName)
        let block = half * inner
        call.threads.parallelFor(outer) { o in
            let src = x.floats + o * 2 * block
            VectorMath.gate(src, src + block, y.floats + o * block, block)
        }
    }
}
