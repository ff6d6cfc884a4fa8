import Foundation
import IR
import Plugins

/// Gather on axis 0 (an embedding lookup): `Y[i..., :] = X[indices[i...], :]`,
/// one row copy per index, reading the table in place (no copy of the weight).
/// Negative indices count from the end; an out-of-range index is an error.
public final class GatherLayer: StandardLayer {
    public static let name = "Gather"
    public static let version = 1
    public static let domain = engineDomain

    public let standard: StandardOp

    public init(attributes: [String: Attribute]) throws {
        standard = try StandardOp(attributes: attributes, plugin: Self.name)
    }

    public func tactics(inputShapes: [[Int]]) -> [String] { ["gather.rows"] }

    public func enqueue(_ call: PluginCall) throws {
        let x = try call.input(0, of: Self.name), indices = try call.input(1, of: Self.name), y = call.outputs[0]
        guard let rows = x.shape.first else {
            throw PluginError.invalidInputs(plugin: Self.name, reason: "data must have rank >= 1")
        }
        let rowBytes = (x.count / max(rows, 1)) * x.dataType.byteSize
        for i in 0..<indices.count {
            var r = indices.dataType == .int64 ? Int(indices.int64s[i]) : Int(indices.int32s[i])
            if r < 0 { r += rows }
            guard r >= 0, r < rows else {
                throw PluginError.invalidInputs(plugin: Self.name, reason: "index \(r) is out of range for \(rows) rows")
            }
            (y.data + i * rowBytes).copyMemory(from: x.data + r * rowBytes, byteCount: rowBytes)
        }
    }
}
