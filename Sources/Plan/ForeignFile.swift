/// Guesses what a file that is not a plan is, from its first bytes, so that
/// ``PlanError/badMagic(file:looksLike:)`` can say something useful.
enum ForeignFile {
    /// A phrase such as `an ONNX model (protobuf, ir_version 8)`, or nil when unknown.
    static func describe(_ start: UnsafeRawBufferPointer, pathExtension: String) -> String? {
        let b = Array(start)
        func starts(_ prefix: [UInt8]) -> Bool { b.starts(with: prefix) }
        let name: [UInt8] = Array("WBPLAN".utf8)
        if starts([0x89] + name) {
            return "a plan damaged by a text-mode transfer (its line endings were converted); copy it again in binary mode"
        }
        if starts([0xEF, 0xBF, 0xBD] + name) {
            return "a plan that was decoded and re-encoded as text (byte 0x89 became U+FFFD); copy it again in binary mode"
        }
        if let onnx = onnxModel(b, pathExtension: pathExtension) { return onnx }
        if starts([0x93] + Array("NUMPY".utf8)) { return "a NumPy .npy array" }
        if starts([0x50, 0x4B, 0x03, 0x04]) { return "a ZIP archive (an .npz file?)" }
        if starts([0x1F, 0x8B]) { return "a gzip-compressed file; decompress it first" }
        if starts([0x7F, 0x45, 0x4C, 0x46]) { return "an ELF executable or library" }
        return text(b)
    }

    /// An ONNX `ModelProto` starts with field 1 (`ir_version`, varint): tag 0x08,
    /// then a small version number, usually followed by field 2 or 3 (tag 0x12 / 0x1A).
    private static func onnxModel(_ b: [UInt8], pathExtension: String) -> String? {
        let advice = "; build an engine from it first (workbench build)"
        if b.count >= 3, b[0] == 0x08, (1...20).contains(b[1]), [0x12, 0x1A, 0x22, 0x3A, 0x42].contains(b[2]) {
            return "an ONNX model (protobuf, ir_version \(b[1]))" + advice
        }
        if pathExtension.lowercased() == "onnx" { return "an ONNX model (by its extension)" + advice }
        return nil
    }

    /// Text: valid UTF-8 without control bytes other than tab, CR and LF
    /// (a multi-byte character cut off at the end of the sample is allowed).
    private static func text(_ b: [UInt8]) -> String? {
        guard !b.isEmpty else { return nil }
        var sample = b
        for cut in 0...min(3, b.count - 1) {
            sample = Array(b.dropLast(cut))
            if String(validatingUTF8CString: sample) != nil { break }
        }
        guard let string = String(validatingUTF8CString: sample),
              string.unicodeScalars.allSatisfy({ $0.value >= 0x20 || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        else { return nil }
        let firstLine = string.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let trimmed = firstLine.trimmingLeadingSpaces
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") { return "a JSON text file" }
        let shown = trimmed.count > 40 ? String(trimmed.prefix(40)) + "…" : trimmed
        return "a text file (starts with \"\(shown)\")"
    }
}

extension String {
    /// Decodes `bytes` as UTF-8, or nil when they are not valid UTF-8 or contain NUL.
    fileprivate init?(validatingUTF8CString bytes: [UInt8]) {
        guard !bytes.contains(0) else { return nil }
        let decoded = String(decoding: bytes, as: UTF8.self)
        guard Array(decoded.utf8) == bytes else { return nil }
        self = decoded
    }

    fileprivate var trimmingLeadingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" })
    }
}
