/// The header of one `.npy` array: dtype, memory order and shape.
///
/// The on-disk layout (NumPy's `numpy.lib.format`):
///
///     "\x93NUMPY" major minor  header_len  header (a Python dict literal, padded with spaces, ends in "\n")
///     6 bytes     1     1      2 bytes (v1) or 4 bytes (v2, v3), little-endian
///
/// The magic, version bytes, length field and header together are padded to a
/// multiple of 64 bytes; the raw C-order elements follow.
struct NPYHeader: Equatable {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
    /// NumPy aligns the start of the data to this many bytes.
    static let alignment = 64

    /// Parses the header at the start of `bytes`; returns it and the offset of the data.
    /// Throws a reason string (the caller adds file and array).
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(HeaderProblem) -> (NPYHeader, dataOffset: Int) {
        guard bytes.count >= 10 else { throw HeaderProblem("file has \(bytes.count) bytes, too short for a .npy header") }
        guard Array(bytes[0..<6]) == magic else { throw HeaderProblem("missing the \\x93NUMPY magic (not a .npy file)") }
        let major = bytes[6], minor = bytes[7]
        let lengthStart = 8
        let lengthSize: Int
        switch (major, minor) {
        case (1, 0): lengthSize = 2
        case (2, 0), (3, 0): lengthSize = 4
        default: throw HeaderProblem("unknown format version \(major).\(minor)")
        }
        guard bytes.count >= lengthStart + lengthSize else { throw HeaderProblem("truncated before the header length") }
        var headerLength = 0
        for i in 0..<lengthSize { headerLength |= Int(bytes[lengthStart + i]) << (8 * i) }
        let headerStart = lengthStart + lengthSize
        guard headerLength <= bytes.count - headerStart else {
            throw HeaderProblem("header claims \(headerLength) bytes, only \(bytes.count - headerStart) follow")
        }
        // Versions 1 and 2 use latin-1, version 3 UTF-8; the keys and values we accept are ASCII.
        let header = try parseDictionary(bytes[headerStart..<(headerStart + headerLength)])
        return (header, headerStart + headerLength)
    }

    /// Parses `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
    static func parseDictionary<Bytes: Sequence<UInt8>>(_ text: Bytes) throws(HeaderProblem) -> NPYHeader {
        var parser = PyLiteralParser(text)
        let dict = try parser.parseDictionary()
        guard case .some(let d) = dict["descr"] else { throw HeaderProblem("no 'descr' key") }
        guard case .some(let f) = dict["fortran_order"] else { throw HeaderProblem("no 'fortran_order' key") }
        guard case .some(let s) = dict["shape"] else { throw HeaderProblem("no 'shape' key") }
        let extra = dict.keys.filter { !["descr", "fortran_order", "shape"].contains($0) }.sorted()
        if !extra.isEmpty { throw HeaderProblem("unexpected keys \(extra.joined(separator: ", "))") }
        guard case .bool(let fortran) = f else { throw HeaderProblem("'fortran_order' is \(f), not True or False") }
        guard case .tuple(let items) = s else { throw HeaderProblem("'shape' is \(s), not a tuple") }
        var shape: [Int] = []
        for item in items {
            guard case .int(let v) = item, v >= 0 else { throw HeaderProblem("'shape' \(s) has a non-size entry") }
            shape.append(v)
        }
        // A structured dtype has a list as descr: keep its text so the error shows it.
        let descr: String
        if case .string(let str) = d { descr = str } else { descr = d.description }
        return NPYHeader(descr: descr, fortranOrder: fortran, shape: shape)
    }

    /// The header bytes (magic through the padded dictionary) for this array,
    /// in version 1.0 when the dictionary fits in 65535 bytes, else 2.0.
    func encoded() -> [UInt8] {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        let dict = "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shapeText), }"
        var version: UInt8 = 1
        var prefix = 10
        var total = (prefix + dict.utf8.count + 1 + Self.alignment - 1) / Self.alignment * Self.alignment
        if total - prefix > 65535 {
            version = 2
            prefix = 12
            total = (prefix + dict.utf8.count + 1 + Self.alignment - 1) / Self.alignment * Self.alignment
        }
        let headerLength = total - prefix
        var out = Self.magic + [version, 0]
        for i in 0..<(version == 1 ? 2 : 4) { out.append(UInt8(truncatingIfNeeded: headerLength >> (8 * i))) }
        out += Array(dict.utf8)
        out += [UInt8](repeating: 0x20, count: headerLength - dict.utf8.count - 1)
        out.append(0x0A)
        return out
    }
}

/// Why a header was rejected (without file and array, which the caller knows).
struct HeaderProblem: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
