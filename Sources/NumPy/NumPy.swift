import Foundation
import IR

/// Reading and writing NumPy's `.npy` arrays and `.npz` archives, without Python.
///
/// Supported element types are the little-endian bool, integer and float
/// dtypes (`<f2 <f4 <f8 |i1 <i2 <i4 <i8 |u1 <u2 <u4 <u8 |b1`); `<f2` maps to
/// ``DataType/float16`` with the raw IEEE half bits kept. Everything else
/// (big-endian, object, structured and string dtypes, Fortran order) is
/// rejected with a ``NumPyError`` that names the file and the array.
public enum NumPy {
    // MARK: .npy files

    /// Reads one `.npy` file.
    public static func readArray(contentsOf url: URL) throws(NumPyError) -> Tensor {
        let data = try readFile(url)
        return try decodeArray(data, file: url.relativePath, array: nil)
    }

    /// Writes one `.npy` file (format 1.0, or 2.0 for very long headers), atomically.
    public static func writeArray(_ tensor: Tensor, to url: URL) throws(NumPyError) {
        let name = url.deletingPathExtension().lastPathComponent
        let data = try encodeArray(tensor, file: url.relativePath, array: name)
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw .unwritableFile(file: url.relativePath, reason: reason(error))
        }
    }

    // MARK: In-memory arrays

    /// Decodes the bytes of one `.npy` array.
    ///
    /// - Parameters:
    ///   - file: the file the bytes came from, for error messages.
    ///   - array: the array's name inside an archive (nil for a lone `.npy` file).
    public static func decodeArray(_ data: Data, file: String, array: String?) throws(NumPyError) -> Tensor {
        let result = data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Result<Tensor, NumPyError> in
            Result { () throws(NumPyError) -> Tensor in try decodeArray(raw, file: file, array: array) }
        }
        return try result.get()
    }

    /// Encodes a tensor as the bytes of a `.npy` file.
    public static func encodeArray(_ tensor: Tensor, file: String, array: String) throws(NumPyError) -> Data {
        guard let descr = DType.descr(for: tensor.dataType) else {
            throw .unsupportedTensorType(file: file, array: array, dataType: tensor.dataType)
        }
        let header = NPYHeader(descr: descr, fortranOrder: false, shape: tensor.shape).encoded()
        var out = Data(capacity: header.count + tensor.byteCount)
        out.append(contentsOf: header)
        ElementCodec.append(tensor.data, to: &out)
        return out
    }

    private static func decodeArray(_ raw: UnsafeRawBufferPointer, file: String,
                                    array: String?) throws(NumPyError) -> Tensor {
        let header: NPYHeader, offset: Int
        do {
            (header, offset) = try NPYHeader.parse(raw)
        } catch {
            throw .invalidHeader(file: file, array: array, reason: error.reason)
        }
        guard let type = DType.dataType(descr: header.descr) else {
            throw .unsupportedDType(file: file, array: array, descr: header.descr)
        }
        if header.fortranOrder { throw .fortranOrder(file: file, array: array) }
        var count = 1
        for d in header.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else {
                throw .invalidHeader(file: file, array: array, reason: "shape \(header.shape) is too large")
            }
            count = product
        }
        let (expected, overflow) = count.multipliedReportingOverflow(by: type.byteSize)
        guard !overflow else { throw .invalidHeader(file: file, array: array, reason: "shape \(header.shape) is too large") }
        let body = UnsafeRawBufferPointer(rebasing: raw[offset...])
        guard body.count == expected else { throw .dataLength(file: file, array: array, expected: expected, found: body.count) }
        let data = ElementCodec.decode(type, count: count, from: body)
        return Tensor(shape: header.shape, data: data)
    }

    // MARK: Helpers

    static func readFile(_ url: URL) throws(NumPyError) -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw .unreadableFile(file: url.relativePath, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .unreadableFile(file: url.relativePath, reason: "is a directory") }
        do {
            return try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw .unreadableFile(file: url.relativePath, reason: reason(error))
        }
    }

    /// A one-line reason for a Foundation error.
    static func reason(_ error: any Error) -> String {
        if let e = error as? CocoaError, let underlying = e.underlying { return "\(underlying.localizedDescription)" }
        return error.localizedDescription.replacingOccurrences(of: "\n", with: " ")
    }
}
