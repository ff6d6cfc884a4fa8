import Foundation
import IR
import Kernels

/// The activations fused ops apply, elementwise on float32.
public enum Activation: String, Sendable, CaseIterable {
    case none
    case relu
    /// `x · σ(x)` (SiLU).
    case swish
    /// `½x(1 + erf(x/√2))`.
    case gelu
    /// `½x(1 + tanh(√(2/π)(x + 0.044715x³)))`.
    case geluTanh = "gelu_tanh"
    case sigmoid

    /// Applies the activation to `n` values in place.
    @inlinable
    public func apply(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
        switch self {
        case .none: return
        case .relu: for i in 0..<n { p[i] = Swift.max(p[i], 0) }
        case .swish: VectorMath.swish(p, p, n)
        case .sigmoid: VectorMath.sigmoid(p, p, n)
        case .gelu: VectorMath.gelu(p, p, n)
        case .geluTanh: VectorMath.geluTanh(p, p, n)
        }
    }
}

/// Elementwise activation as one layer; shared by ``SwishPlugin`` and ``GeluPlugin``.
enum ActivationKernel {
    static func outputTypes(_ inputs: [ValueType?], plugin: String) throws -> [ValueType] {
        [try PluginInputs.float(inputs, 0, plugin: plugin)]
    }

    static func run(_ call: PluginCall, _ activation: Activation, plugin: String) throws {
        let x = try call.input(0, of: plugin)
        guard let y = call.outputs.first else { return }
        try PluginInputs.check(y, count: x.count, "output", plugin: plugin)
        let chunk = 4096
        let blocks = (x.count + chunk - 1) / chunk
        call.threads.parallelFor(blocks) { b in
            let start = b * chunk, n = Swift.min(chunk, x.count - start)
            let src = x.floats + start, dst = y.floats + start
            if src != dst { dst.update(from: src, count: n) }
            activation.apply(dst, n)
        }
    }
}

/// Swish (SiLU), `y = x · σ(x)` (`com.workbench::Swish`). One input, no attributes.
public final class SwishPlugin: Plugin {
    public static let name = "Swish"
    public static let version = 1

    public init(attributes: [String: Attribute]) throws {
        try PluginAttributes(Self.qualifiedName, attributes).only([])
    }

    public var attributes: [String: Attribute] { [:] }

    public func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType] {
        try ActivationKernel.outputTypes(inputs, plugin: Self.qualifiedName)
    }

    public func enqueue(_ call: PluginCall) throws {
        try ActivationKernel.run(call, .swish, plugin: Self.qualifiedName)
    }
}

/// GELU (`com.workbench::Gelu`): `½x(1 + erf(x/√2))`, or with
/// `approximate = "tanh"` the tanh form `½x(1 + tanh(√(2/π)(x + 0.044715x³)))`.
public final class GeluPlugin: Plugin {
    public static let name = "Gelu"
    public static let version = 1
    public let approximate: String

    public init(attributes: [String: Attribute]) throws {
        let a = PluginAttributes(Self.qualifiedName, attributes)
        try a.only(["approximate"])
        approximate = try a.string("approximate", default: "none", allowed: ["none", "tanh"])
    }

    public var attributes: [String: Attribute] { ["approximate": .string(approximate)] }

    /// The activation this plugin applies.
    public var activation: Activation { approximate == "tanh" ? .geluTanh : .gelu }

    public func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType] {
        try ActivationKernel.outputTypes(inputs, plugin: Self.qualifiedName)
    }

    public func enqueue(_ call: PluginCall) throws {
        try ActivationKernel.run(call, activation, plugin: Self.qualifiedName)
    }
}
