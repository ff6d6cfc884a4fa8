#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import IR
import SwiftProtobuf

/// Writes workbench models as ONNX files (`ModelProto`).
///
/// Initializers are written in `raw_data` (little-endian), as PyTorch does,
/// strings in `string_data`; initializers and `value_info` are sorted by name
/// so the output is deterministic. Nodes in a custom domain keep it, and the
/// model gains an `opset_import` (version 1) for each such domain it lacked.
/// Importing what this writes gives back an equal ``Model`` (the subgraphs
/// take the model's opset imports, as ``ONNXImporter`` gives them).
public struct ONNXExporter: Sendable {
    public init() {}

    /// The serialized `ModelProto`, with every initializer inline.
    public func serialize(_ model: Model) throws -> Data {
        try Self.bytes(of: ExportEncoder.modelProto(model), path: "<memory>")
    }

    /// Writes `model` to `url` atomically: a temporary file in the same directory,
    /// then a rename, so readers never see a half-written model.
    ///
    /// - Parameter externalDataThreshold: when set, top-level initializers of at
    ///   least this many bytes go to the side file `<file name>.data` next to the
    ///   model (64-byte aligned offsets), also written atomically before the model.
    public func write(_ model: Model, to url: URL, externalDataThreshold: Int? = nil) throws {
        var proto = ExportEncoder.modelProto(model)
        let directory = url.deletingLastPathComponent()
        let path = url.path
        var temporaries: [URL] = []
        defer { for t in temporaries { try? FileManager.default.removeItem(at: t) } }
        if let threshold = externalDataThreshold {
            let sideName = url.lastPathComponent + ".data"
            let sideTemp = Self.temporaryURL(in: directory, for: sideName)
            temporaries.append(sideTemp)
            let moved = try Self.moveToExternal(&proto.graph.initializer, threshold: threshold,
                                                location: sideName, file: sideTemp, modelPath: path)
            if moved { try Self.moveIntoPlace(sideTemp, to: directory.appendingPathComponent(sideName), path: path) }
        }
        let temp = Self.temporaryURL(in: directory, for: url.lastPathComponent)
        temporaries.append(temp)
        do {
            try Self.bytes(of: proto, path: path).write(to: temp)
        } catch let error as ONNXError {
            throw error
        } catch {
            throw ONNXError.writeFailed(path: path, reason: error.localizedDescription)
        }
        try Self.moveIntoPlace(temp, to: url, path: path)
    }

    static func bytes(of proto: Onnx_ModelProto, path: String) throws -> Data {
        do {
            return try proto.serializedBytes()
        } catch {
            throw ONNXError.writeFailed(path: path,
                reason: "serialization failed (\(error)); models over 2 GB need externalDataThreshold")
        }
    }

    /// Streams initializers of at least `threshold` bytes into `file`, replacing
    /// their `raw_data` by external data entries. Returns whether any moved.
    private static func moveToExternal(_ initializers: inout [Onnx_TensorProto], threshold: Int,
                                       location: String, file: URL, modelPath: String) throws -> Bool {
        guard initializers.contains(where: { $0.hasRawData && $0.rawData.count >= threshold }) else { return false }
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
            throw ONNXError.writeFailed(path: modelPath, reason: "cannot create \(file.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: file)
            defer { try? handle.close() }
            var offset = 0
            for i in initializers.indices where initializers[i].hasRawData && initializers[i].rawData.count >= threshold {
                let padding = (64 - offset % 64) % 64
                if padding > 0 { try handle.write(contentsOf: Data(count: padding)) }
                offset += padding
                let bytes = initializers[i].rawData
                try handle.write(contentsOf: bytes)
                initializers[i].clearRawData()
                initializers[i].dataLocation = .external
                initializers[i].externalData = [
                    entry("location", location), entry("offset", String(offset)), entry("length", String(bytes.count)),
                ]
                offset += bytes.count
            }
            try handle.synchronize()
        } catch {
            throw ONNXError.writeFailed(path: modelPath, reason: "\(file.path): \(error.localizedDescription)")
        }
        return true
    }

    private static func entry(_ key: String, _ value: String) -> Onnx_StringStringEntryProto {
        var e = Onnx_StringStringEntryProto()
        e.key = key
        e.value = value
        return e
    }

    private static func temporaryURL(in directory: URL, for name: String) -> URL {
        directory.appendingPathComponent(".\(name).tmp-\(UUID().uuidString)")
    }

    /// POSIX `rename`: atomic replacement within one file system.
    private static func moveIntoPlace(_ from: URL, to: URL, path: String) throws {
        guard rename(from.path, to.path) == 0 else {
            throw ONNXError.writeFailed(path: path,
                reason: "rename to \(to.path) failed: \(String(cString: strerror(errno)))")
        }
    }
}
