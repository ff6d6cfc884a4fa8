#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A read-only external data file, open for the duration of one import.
///
/// Reads go straight into the caller's buffer with `pread`, so a tensor's
/// bytes are copied once, from the page cache into the tensor's storage.
/// The descriptor is closed when the object is released.
final class ExternalFile {
    let path: String
    let size: Int
    private let descriptor: Int32

    /// Opens `path`; throws ``ONNXError/missingExternalData(path:tensor:dataPath:)``
    /// when it does not exist, naming the model and the first tensor that needs it.
    init(path: String, modelPath: String, tensor: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                throw ONNXError.missingExternalData(path: modelPath, tensor: tensor, dataPath: path)
            }
            throw ONNXError.invalidExternalData(path: modelPath, tensor: tensor,
                reason: "cannot open \(path): \(String(cString: strerror(code)))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw ONNXError.invalidExternalData(path: modelPath, tensor: tensor,
                reason: "\(path) is not a regular file")
        }
        self.descriptor = fd
        self.size = Int(info.st_size)
    }

    deinit { close(descriptor) }

    /// Fills `destination` with the file's bytes from `offset` (the caller has
    /// checked the range against ``size``).
    func read(at offset: Int, into destination: UnsafeMutableRawBufferPointer,
              onError fail: (String) -> ONNXError) throws {
        var done = 0
        while done < destination.count {
            guard let base = destination.baseAddress else { return }
            let n = pread(descriptor, base + done, destination.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("reading \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { throw fail("\(path) ended early (file changed while reading?)") }
            done += n
        }
    }
}
