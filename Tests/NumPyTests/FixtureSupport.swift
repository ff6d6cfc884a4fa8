import Foundation
import IR
import NumPy
import XCTest

/// Locates the committed fixtures of `Tests/Fixtures/npy` (made by
/// `scripts/make-npy-fixtures.py`) relative to this source file.
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/npy")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// The 2x3 array `base(code)` of the fixture script, as the tensor NumPy reads.
    static func base(_ code: String) -> Tensor {
        let i = (0..<6)
        let data: TensorData
        switch code {
        case "f2": data = .float16(i.map { HalfFloat.floatToFloat16(Float($0) * 0.5 - 1) })
        case "f4": data = .float32(i.map { Float($0) * 0.5 - 1 })
        case "f8": data = .float64(i.map { Double($0) * 0.5 - 1 })
        case "i1": data = .int8(i.map { Int8($0 - 2) })
        case "i2": data = .int16(i.map { Int16($0 - 2) })
        case "i4": data = .int32(i.map { Int32($0 - 2) })
        case "i8": data = .int64(i.map { Int64($0 - 2) })
        case "u1": data = .uint8(i.map { UInt8($0 + 250) })
        case "u2": data = .uint16(i.map { UInt16($0 + 250) })
        case "u4": data = .uint32(i.map { UInt32($0 + 250) })
        case "u8": data = .uint64(i.map { UInt64($0 + 250) })
        default: data = .bool(i.map { $0 % 2 == 1 })
        }
        return Tensor(shape: [2, 3], data: data)
    }

    static let dtypeCodes = ["f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "b1"]
}

/// A fresh temporary directory, removed at the end of the test.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("numpy-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}

/// Asserts `body` throws a ``NumPyError`` matching `check`, whose description is one line.
func assertNumPyError<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line,
                         _ check: (NumPyError) -> Bool) {
    do {
        _ = try body()
        XCTFail("expected a NumPyError", file: file, line: line)
    } catch let error as NumPyError {
        XCTAssertTrue(check(error), "unexpected error: \(error)", file: file, line: line)
        XCTAssertFalse(error.description.contains("\n"), "multi-line: \(error)", file: file, line: line)
    } catch {
        XCTFail("expected a NumPyError, got \(error)", file: file, line: line)
    }
}
