import Foundation
import IR
import ZIPFoundation

extension NumPy {
    /// Reads an `.npz` archive, as written by `numpy.savez` (stored entries) or
    /// `numpy.savez_compressed` (deflated entries).
    ///
    /// Every entry must be a `NAME.npy` array; checksums are verified, so a
    /// corrupt or truncated archive throws naming the file and the array.
    public static func readArchive(contentsOf url: URL) throws(NumPyError) -> NumPyArchive {
        let file = url.relativePath
        let bytes = try readFile(url)
        let preflight = bytes.withUnsafeBytes { raw in
            Result { () throws(ZIPPreflight.Problem) -> Int in try ZIPPreflight.check(raw) }
        }
        let declared: Int
        switch preflight {
        case .success(let n): declared = n
        case .failure(let problem): throw .invalidArchive(file: file, reason: problem.reason)
        }
        let archive: Archive
        do {
            // File-backed, not `Archive(data:)`: its memory file traps on seeks past the end.
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw .invalidArchive(file: file, reason: "\(error)")
        }
        var result = NumPyArchive()
        var seen = 0
        for entry in archive {
            seen += 1
            if entry.type == .directory { continue }
            let path = entry.path
            guard entry.type == .file, path.hasSuffix(".npy") else {
                throw .invalidEntry(file: file, entry: path, reason: "is not an .npy array")
            }
            let name = String(path.dropLast(4))
            guard result[name] == nil else { throw .invalidEntry(file: file, entry: path, reason: "appears twice") }
            let data = try extract(entry, from: archive, limit: bytes.count, file: file, array: name)
            result[name] = try decodeArray(data, file: file, array: name)
        }
        // The iterator stops early when a central directory record cannot be read.
        if seen != declared {
            throw .invalidArchive(file: file, reason: "central directory lists \(declared) entries, \(seen) are readable")
        }
        return result
    }

    /// Writes arrays as an `.npz` archive of stored (uncompressed) `NAME.npy`
    /// entries, in the archive's order. The file is written to a temporary file
    /// next to `url` and renamed over it, so readers never see a partial archive.
    public static func writeArchive(_ arrays: NumPyArchive, to url: URL) throws(NumPyError) {
        let file = url.relativePath
        var encoded: [(String, Data)] = []
        for (name, tensor) in arrays {
            encoded.append((name + ".npy", try encodeArray(tensor, file: file, array: name)))
        }
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            let archive = try Archive(url: temporary, accessMode: .create)
            for (path, data) in encoded {
                try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count),
                                     compressionMethod: .none) { position, size in
                    data.subdata(in: Int(position)..<(Int(position) + size))
                }
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw .unwritableFile(file: file, reason: reason(error))
        }
        // rename(2) replaces the destination atomically.
        if rename(temporary.path, url.path) != 0 {
            let message = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw .unwritableFile(file: file, reason: message)
        }
    }

    /// Reads `NAME.npz` when `url` ends in `.npz`, else a lone `.npy` as one array named after the file.
    public static func readArrays(contentsOf url: URL) throws(NumPyError) -> NumPyArchive {
        if url.pathExtension.lowercased() == "npy" {
            let tensor = try readArray(contentsOf: url)
            return NumPyArchive([(url.deletingPathExtension().lastPathComponent, tensor)])
        }
        return try readArchive(contentsOf: url)
    }

    /// Extracts one entry's bytes, refusing sizes the archive cannot hold
    /// (deflate expands at most about 1032:1) before allocating anything.
    private static func extract(_ entry: Entry, from archive: Archive, limit: Int,
                                file: String, array: String) throws(NumPyError) -> Data {
        let compressed = entry.compressedSize, uncompressed = entry.uncompressedSize
        let maxExpansion: UInt64 = entry.isCompressed ? 1100 : 1
        guard compressed <= UInt64(limit), uncompressed <= compressed * maxExpansion + 1024 else {
            throw .corruptEntry(file: file, array: array,
                                reason: "entry sizes \(compressed)/\(uncompressed) do not fit a \(limit)-byte archive")
        }
        var data = Data(capacity: Int(uncompressed))
        let checksum: CRC32
        do {
            checksum = try archive.extract(entry, skipCRC32: false) { chunk in data.append(chunk) }
        } catch {
            throw .corruptEntry(file: file, array: array, reason: "\(error)")
        }
        guard checksum == entry.checksum else {
            throw .corruptEntry(file: file, array: array, reason: "CRC-32 mismatch (the data is damaged)")
        }
        guard data.count == Int(uncompressed) else {
            throw .corruptEntry(file: file, array: array, reason: "\(data.count) bytes extracted, \(uncompressed) expected")
        }
        return data
    }
}
