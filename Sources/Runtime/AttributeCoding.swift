import Foundation
import IR
import Plugins

/// A node or plugin attribute in the engine manifest (JSON).
///
/// Floats are stored as their IEEE bit patterns so every value, NaN and
/// infinities included, round-trips exactly; tensors as base64 of their
/// little-endian elements. Graph attributes cannot be stored.
public struct ManifestAttribute: Codable, Sendable, Equatable {
    public var kind: String
    public var int: Int?
    public var floatBits: UInt32?
    public var string: String?
    public var ints: [Int]?
    public var floatsBits: [UInt32]?
    public var strings: [String]?
    public var tensor: ManifestTensor?

    init(kind: String) { self.kind = kind }

    /// Encodes an attribute; throws for graph and type attributes, which plans cannot hold.
    public init(_ attribute: Attribute, name: String) throws {
        self.init(kind: attribute.kindName)
        switch attribute {
        case .int(let v): int = v
        case .float(let v): floatBits = v.bitPattern
        case .string(let v): string = v
        case .ints(let v): ints = v
        case .floats(let v): floatsBits = v.map(\.bitPattern)
        case .strings(let v): strings = v
        case .tensor(let t): tensor = try ManifestTensor(t, name: name)
        case .graph, .graphs, .tensors, .type, .types:
            throw IRError.invalidAttribute(node: name, attribute: name,
                                           reason: "\(attribute.kindName) attributes cannot be stored in a plan")
        }
    }

    /// The attribute this entry encodes.
    public func decode(name: String) throws -> Attribute {
        func missing() -> IRError { .invalidAttribute(node: "manifest", attribute: name, reason: "\(kind) value is missing") }
        switch kind {
        case "INT": guard let int else { throw missing() }; return .int(int)
        case "FLOAT": guard let floatBits else { throw missing() }; return .float(Float(bitPattern: floatBits))
        case "STRING": guard let string else { throw missing() }; return .string(string)
        case "INTS": guard let ints else { throw missing() }; return .ints(ints)
        case "FLOATS": guard let floatsBits else { throw missing() }; return .floats(floatsBits.map(Float.init(bitPattern:)))
        case "STRINGS": guard let strings else { throw missing() }; return .strings(strings)
        case "TENSOR": guard let tensor else { throw missing() }; return .tensor(try tensor.decode(name: name))
        default:
            throw IRError.invalidAttribute(node: "manifest", attribute: name, reason: "unknown attribute kind '\(kind)'")
        }
    }

    /// Encodes a whole attribute dictionary.
    public static func encode(_ attributes: [String: Attribute], owner: String) throws -> [String: ManifestAttribute] {
        var out: [String: ManifestAttribute] = [:]
        for (k, v) in attributes { out[k] = try ManifestAttribute(v, name: "\(owner).\(k)") }
        return out
    }

    /// Decodes a whole attribute dictionary.
    public static func decode(_ attributes: [String: ManifestAttribute]) throws -> [String: Attribute] {
        var out: [String: Attribute] = [:]
        for (k, v) in attributes { out[k] = try v.decode(name: k) }
        return out
    }
}

/// A small tensor stored inline in the manifest: element type, shape and base64 bytes.
public struct ManifestTensor: Codable, Sendable, Equatable {
    public var dataType: String
    public var shape: [Int]
    public var base64: String

    public init(_ tensor: Tensor, name: String) throws {
        guard tensor.dataType != .string else {
            throw IRError.invalidTensor(name: name, reason: "string tensors cannot be stored in a plan")
        }
        dataType = tensor.dataType.name
        shape = tensor.shape
        let count = tensor.count * tensor.dataType.byteSize
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        defer { p.deallocate() }
        try TensorBytes.write(tensor, to: p)
        base64 = Data(bytes: p, count: count).base64EncodedString()
    }

    public func decode(name: String) throws -> Tensor {
        guard let type = DataType(name: dataType), type != .string, let data = Data(base64Encoded: base64),
              data.count == Shapes.count(shape) * type.byteSize else {
            throw IRError.invalidTensor(name: name, reason: "the manifest's tensor is malformed")
        }
        return try data.withUnsafeBytes { raw in
            let p = UnsafeMutableRawPointer.allocate(byteCount: max(raw.count, 1), alignment: 16)
            defer { p.deallocate() }
            if raw.count > 0 { p.copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
            return try TensorBytes.read(p, dataType: type, shape: shape)
        }
    }
}
