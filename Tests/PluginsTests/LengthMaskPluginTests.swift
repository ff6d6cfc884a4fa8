import IR
import Kernels
import Plugins
import XCTest
import _TestSupport

/// LengthMask against the mask it stands for: 1 for t < length, else 0.
final class LengthMaskPluginTests: XCTestCase {
    func testMaskFollowsLengthsOfEveryIntegerType() throws {
        let plugin = try LengthMaskPlugin(attributes: ["axis": .int(1)])
        let like = TestTensors.uniform([3, 4, 2], seed: 1)
        let expected: [Float] = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
        for lengths in [Tensor([7, 1, 0] as [Int32], shape: [3]), Tensor([4, 1, -2] as [Int64], shape: [3])] {
            let y = try plugin.run([lengths, like])[0]
            XCTAssertEqual(y.shape, [3, 4])
            XCTAssertEqual(y.floats, expected, "\(lengths.dataType)")
        }
    }

    func testRejectsBadInputs() throws {
        XCTAssertThrowsError(try LengthMaskPlugin(attributes: ["axis": .int(-1)])) { XCTAssertTrue("\($0)".contains("axis")) }
        let plugin = try LengthMaskPlugin(attributes: ["axis": .int(3)])
        XCTAssertThrowsError(try plugin.outputTypes([ValueType(.int32, [2]), ValueType(.float32, [2, 5])])) {
            XCTAssertTrue("\($0)".contains("axis 3"))
        }
        XCTAssertThrowsError(try plugin.outputTypes([ValueType(.bool, [2]), ValueType(.float32, [2, 5, 1, 1])]))
    }
}
