import IR
import Kernels

/// The padding mask of a batch of sequences as float32
/// (`com.workbench::LengthMask`), in place of the boolean chain
/// `Range → Expand → GreaterOrEqual(lengths) → Not`:
///
///     Y[b, t] = 1 if t < lengths[b] else 0,   t in 0 ..< T
///
/// Inputs: `lengths` [B] (int32, int64 or float32) and `like`, any tensor
/// whose dim `axis` is T (only its shape is read). Output `Y` [B, T] float32.
/// Attribute: `axis` (INT, the axis of `like` giving T).
public final class LengthMaskPlugin: Plugin {
    public static let name = "LengthMask"
    public static let version = 1
    public let axis: Int

    public init(attributes: [String: Attribute]) throws {
        let a = PluginAttributes(Self.qualifiedName, attributes)
        try a.only(["axis"])
        axis = try a.int("axis")
        guard axis >= 0 else { throw a.fail("axis", "must be non-negative, got \(axis)") }
    }

    public var attributes: [String: Attribute] { ["axis": .int(axis)] }

    public func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType] {
        let p = Self.qualifiedName
        guard inputs.count == 2, let lengths = inputs[0], let like = inputs[1] else {
            throw PluginError.invalidInputs(plugin: p, reason: "expects lengths [B] and a tensor giving T")
        }
        guard [.int32, .int64, .float32].contains(lengths.dataType) else {
            throw PluginError.invalidInputs(plugin: p, reason: "lengths are \(lengths.dataType), expected int32, int64 or float32")
        }
        if let s = lengths.shape, s.rank != 1 { throw PluginError.invalidInputs(plugin: p, reason: "lengths must be [B], got \(s.bracketed)") }
        guard let ls = like.shape else { return [ValueType(.float32, nil)] }
        guard axis < ls.rank else {
            throw PluginError.invalidInputs(plugin: p, reason: "axis \(axis) is out of range for \(ls.bracketed)")
        }
        return [ValueType(.float32, Shape([lengths.shape?[0] ?? .symbol("B"), ls[axis]]))]
    }

    public func enqueue(_ call: PluginCall) throws {
        let p = Self.qualifiedName
        let lengths = try call.input(0, of: p)
        guard let y = call.outputs.first, y.shape.count == 2, lengths.count == y.shape[0] else {
            throw PluginError.invalidInputs(plugin: p, reason: "lengths \(lengths.shape) do not match the output")
        }
        let (b, t) = (y.shape[0], y.shape[1])
        for i in 0..<b {
            let n: Int
            switch lengths.dataType {
            case .int32: n = Int(lengths.int32s[i])
            case .int64: n = Int(clamping: lengths.int64s[i])
            case .float32:
                let f = lengths.floats[i]
                n = f.isNaN ? 0 : Int(max(min(f.rounded(.up), Float(t)), -1))
            default: throw PluginError.invalidInputs(plugin: p, reason: "lengths of type \(lengths.dataType) are not supported")
            }
            let row = y.floats + i * t
            for j in 0..<t { row[j] = j < n ? 1 : 0 }
        }
    }
}
