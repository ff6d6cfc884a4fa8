import Foundation
import IR

/// One weight section of a loaded plan: a zero-copy view into the file's mapping.
///
/// The section holds a strong reference to its ``PlanFile``, so ``bytes`` stays
/// valid for as long as this value (or the file) is alive. Do not let the raw
/// pointer outlive both; see ``PlanFile`` for the ownership rules.
public struct PlanSection: @unchecked Sendable {
    // @unchecked: `bytes` points into a read-only mapping kept alive by `file`.

    /// Name, element type, shape and place in the file.
    public let info: PlanSectionInfo
    /// The section's bytes inside the mapping (64-byte aligned, no copy).
    public let bytes: UnsafeRawBufferPointer
    /// The plan the bytes belong to.
    public let file: PlanFile

    /// The section's name.
    public var name: String { info.name }
    /// The element type.
    public var dataType: DataType { info.dataType }
    /// The element shape (row-major).
    public var shape: [Int] { info.shape }
    /// Bytes of data.
    public var byteCount: Int { info.byteCount }

    /// Calls `body` with the elements as `T`, which must be the Swift type of the
    /// section's element type: `Float` (float32), `Double`, `Int8`, `UInt8`,
    /// `Int16`, `UInt16` (also float16 and bfloat16 bit patterns), `Int32`,
    /// `UInt32`, `Int64`, `UInt64` or `Bool`. No copy is made.
    public func withUnsafeBufferPointer<T, R>(as type: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R) throws -> R {
        guard let expected = Self.swiftType(of: dataType), ObjectIdentifier(expected) == ObjectIdentifier(T.self) else {
            throw PlanError.sectionType(file: file.url.relativePath, section: name, dataType: dataType,
                                        requested: String(describing: T.self))
        }
        return try withExtendedLifetime(file) { try bytes.withMemoryRebound(to: T.self, body) }
    }

    /// A copy of the section as a ``Tensor`` (for inspection and tests; engines
    /// read ``bytes`` in place).
    public func tensor() -> Tensor {
        let data: TensorData
        switch dataType {
        case .float32: data = .float32(copy())
        case .float64: data = .float64(copy())
        case .float16: data = .float16(copy())
        case .bfloat16: data = .bfloat16(copy())
        case .int8: data = .int8(copy())
        case .uint8: data = .uint8(copy())
        case .int16: data = .int16(copy())
        case .uint16: data = .uint16(copy())
        case .int32: data = .int32(copy())
        case .uint32: data = .uint32(copy())
        case .int64: data = .int64(copy())
        case .uint64: data = .uint64(copy())
        case .bool: data = .bool(bytes.map { $0 != 0 })
        case .string: data = .string([])  // the reader rejects string sections
        }
        return Tensor(shape: dataType == .string ? [0] : shape, data: data)
    }

    private func copy<T>() -> [T] {
        let count = byteCount / MemoryLayout<T>.stride
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            withExtendedLifetime(file) { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes) }
            initialized = count
        }
    }

    private static func swiftType(of dataType: DataType) -> Any.Type? {
        switch dataType {
        case .float32: return Float.self
        case .float64: return Double.self
        case .float16, .bfloat16, .uint16: return UInt16.self
        case .int8: return Int8.self
        case .uint8: return UInt8.self
        case .int16: return Int16.self
        case .int32: return Int32.self
        case .uint32: return UInt32.self
        case .int64: return Int64.self
        case .uint64: return UInt64.self
        case .bool: return Bool.self
        case .string: return nil
        }
    }
}

extension PlanFile {
    /// Decodes the manifest as `type` from JSON; throws
    /// ``PlanError/invalidManifest(file:type:reason:)`` with a one-line reason
    /// (the missing key or mismatched value and its path) when it does not fit.
    public func decodeManifest<T: Decodable>(_ type: T.Type = T.self,
                                             decoder: JSONDecoder = JSONDecoder()) throws(PlanError) -> T {
        do {
            return try decoder.decode(T.self, from: manifest)
        } catch let error as DecodingError {
            throw .invalidManifest(file: url.relativePath, type: String(describing: T.self), reason: Self.describe(error))
        } catch {
            throw .invalidManifest(file: url.relativePath, type: String(describing: T.self),
                                   reason: PlanWriter.oneLine(error))
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.isEmpty ? "the top level"
                : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        let reason: String
        switch error {
        case .keyNotFound(let key, let c): reason = "missing key '\(key.stringValue)' at \(path(c.codingPath))"
        case .typeMismatch(let t, let c): reason = "expected \(t) at \(path(c.codingPath)): \(c.debugDescription)"
        case .valueNotFound(let t, let c): reason = "missing \(t) value at \(path(c.codingPath))"
        case .dataCorrupted(let c):
            let underlying = c.underlyingError.map { " (\(PlanWriter.oneLine($0)))" } ?? ""
            reason = "\(c.debugDescription)\(underlying) at \(path(c.codingPath))"
        @unknown default: reason = PlanWriter.oneLine(error)
        }
        return reason.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
