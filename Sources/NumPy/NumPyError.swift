import IR

/// Errors reading or writing `.npy` and `.npz` files.
///
/// Every case carries the file and, where there is one, the array it is about,
/// so that a command line can print ``description`` as a single line:
/// `inputs.npz: array 'speech': data has 120 bytes, shape [2, 16, 80] of float32 needs 10240`.
public enum NumPyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or read (missing, a directory, no permission).
    case unreadableFile(file: String, reason: String)
    /// The file is not a valid ZIP archive (truncated, corrupt central directory).
    case invalidArchive(file: String, reason: String)
    /// A ZIP entry could not be extracted (truncated data, bad checksum, bad deflate stream).
    case corruptEntry(file: String, array: String, reason: String)
    /// A ZIP entry that is not an `.npy` array, or that appears twice.
    case invalidEntry(file: String, entry: String, reason: String)
    /// The `.npy` magic, version or header dictionary is malformed.
    case invalidHeader(file: String, array: String?, reason: String)
    /// The `descr` names a dtype the workbench does not read (big-endian, object, structured, ...).
    case unsupportedDType(file: String, array: String?, descr: String)
    /// The array is stored in Fortran (column-major) order.
    case fortranOrder(file: String, array: String?)
    /// The data length does not match the shape and dtype of the header.
    case dataLength(file: String, array: String?, expected: Int, found: Int)
    /// A tensor whose element type `.npy` cannot hold (strings, bfloat16).
    case unsupportedTensorType(file: String, array: String, dataType: DataType)
    /// The file could not be written.
    case unwritableFile(file: String, reason: String)

    public var description: String {
        switch self {
        case .unreadableFile(let f, let r): return "\(f): cannot read: \(r)"
        case .invalidArchive(let f, let r): return "\(f): not a valid .npz (ZIP) archive: \(r)"
        case .corruptEntry(let f, let a, let r): return "\(f): array '\(a)': corrupt entry: \(r)"
        case .invalidEntry(let f, let e, let r): return "\(f): entry '\(e)': \(r)"
        case .invalidHeader(let f, let a, let r): return "\(Self.place(f, a)): invalid .npy header: \(r)"
        case .unsupportedDType(let f, let a, let d):
            return "\(Self.place(f, a)): unsupported dtype \(d) (little-endian bool, integer and float dtypes only)"
        case .fortranOrder(let f, let a):
            return "\(Self.place(f, a)): Fortran-order arrays are not supported (save with np.ascontiguousarray)"
        case .dataLength(let f, let a, let e, let n):
            return "\(Self.place(f, a)): data has \(n) bytes, the header's shape and dtype need \(e)"
        case .unsupportedTensorType(let f, let a, let t):
            return "\(f): array '\(a)': dtype \(t) cannot be stored in .npy"
        case .unwritableFile(let f, let r): return "\(f): cannot write: \(r)"
        }
    }

    private static func place(_ file: String, _ array: String?) -> String {
        guard let array else { return file }
        return "\(file): array '\(array)'"
    }
}
