import Foundation
import IR
import Passes
import Plugins
import XCTest
import _TestSupport

/// The conformer convolution module rewritten to [B, T, C]: both Transposes
/// go, the pointwise Convs become Linear, GLU folds into the time-major
/// DepthwiseConv1d; near misses keep their Transposes.
final class TimeMajorConvFusionTests: XCTestCase {
    struct Options {
        var mask = true
        var kernel = 1
        var group = 1
        var perChannelScale = false
        var sharedIntermediate = false
    }

    /// x[2, 9, 8] ─▶ Transpose ─▶ Mul(m) ─▶ Conv(k) ─▶ GLU ─▶ dwConv+BN ─▶ Swish ─▶ Conv(1×1) ─▶ Mul(m) ─▶ Transpose.
    static func module(_ o: Options = Options()) -> Graph {
        var b = TinyGraph()
        let c = 8
        let x = b.input("x", [2, 9, 8])
        var v = b.op("Transpose", [x], ["perm": .ints([0, 2, 1])])
        let m = b.input("m", [2, 1, 9])
        if o.mask { v = b.op("Mul", [v, m]) }
        if o.perChannelScale { v = b.op("Mul", [v, b.weight([1, c, 1], seed: 9)]) }
        let glu = 2 * c
        v = b.op("Conv", [v, b.weight([glu, c / o.group, o.kernel], seed: 1), b.weight([glu], seed: 2)],
                 ["kernel_shape": .ints([o.kernel]), "group": .int(o.group), "pads": .ints([o.kernel / 2, o.kernel / 2])])
        let halves = b.op("Split", [v], ["axis": .int(1)], outputs: 2)
        v = b.op("Mul", [halves, b.op("Sigmoid", [halves.replacingOccurrences(of: "_0", with: "_1")])])
        let dw = b.op("Conv", [v, b.weight([c, 1, 3], seed: 3), b.weight([c], seed: 4)],
                      ["group": .int(c), "kernel_shape": .ints([3]), "pads": .ints([1, 1])])
        let bn = b.op("BatchNormalization", [dw, b.weight([c], seed: 5), b.weight([c], seed: 6), b.weight([c], seed: 7),
                                             b.constant(TestTensors.uniform([c], in: 0.5...2, seed: 8))])
        v = b.op("Mul", [bn, b.op("Sigmoid", [bn])])
        let shared = v
        v = b.op("Conv", [v, b.weight([c, c, 1], seed: 10), b.weight([c], seed: 11)], ["kernel_shape": .ints([1])])
        if o.mask { v = b.op("Mul", [v, m]) }
        b.output(b.op("Transpose", [v], ["perm": .ints([0, 2, 1])]))
        if o.sharedIntermediate { b.output(shared) }
        return b.graph
    }

    func testConvModuleBecomesTimeMajor() throws {
        for mask in [true, false] {
            let g = Self.module(Options(mask: mask))
            let (after, report) = try Surgeon.run(g)
            XCTAssertEqual(report.matches("TimeMajorConv"), 2, "mask \(mask)")  // the chain, then GLU into the dwconv
            XCTAssertEqual(PassTest.count(after, "Conv"), 0)
            XCTAssertEqual(PassTest.count(after, "Transpose"), mask ? 1 : 0, "only the mask's own transpose remains")
            XCTAssertEqual(PassTest.count(after, "Linear", domain: workbenchDomain), 2)
            XCTAssertEqual(PassTest.count(after, "GLU", domain: workbenchDomain), 0)
            let dw = try XCTUnwrap(after.nodes.first { $0.opType == "DepthwiseConv1d" })
            XCTAssertEqual(dw.attributes["layout"], .string("BTC"))
            XCTAssertEqual(dw.attributes["glu"], .int(1))
            XCTAssertEqual(dw.attributes["activation"], .string("swish"))
            try PassTest.assertSameOutputs(g, after, PassTest.randomFeeds(g))
        }
    }

    func testNearMissesKeepTheirTransposes() throws {
        let misses: [(String, Options)] = [
            ("kernel 3", Options(kernel: 3)), ("group 2", Options(group: 2)),
            ("scale per channel", Options(perChannelScale: true)), ("shared intermediate", Options(sharedIntermediate: true)),
        ]
        for (what, o) in misses {
            let g = Self.module(o)
            let (after, report) = try Surgeon.run(g)
            XCTAssertEqual(report.matches("TimeMajorConv"), 0, what)
            XCTAssertEqual(PassTest.count(after, "Transpose"), 2, what)
            try PassTest.assertSameOutputs(g, after, PassTest.randomFeeds(g))
        }
    }

    /// A GLU over the time axis is not the channel GLU: the chain stays channels-first.
    func testGLUOverTimeDoesNotMove() throws {
        var b = TinyGraph()
        let x = b.input("x", [2, 10, 4])
        var v = b.op("Transpose", [x], ["perm": .ints([0, 2, 1])])
        let halves = b.op("Split", [v], ["axis": .int(2)], outputs: 2)
        v = b.op("Mul", [halves, b.op("Sigmoid", [halves.replacingOccurrences(of: "_0", with: "_1")])])
        v = b.op("Conv", [v, b.weight([4, 4, 1], seed: 1)], ["kernel_shape": .ints([1])])
        b.output(b.op("Transpose", [v], ["perm": .ints([0, 2, 1])]))
        let (after, report) = try Surgeon.run(b.graph)
        XCTAssertEqual(report.matches("GLU"), 1)
        XCTAssertEqual(report.matches("TimeMajorConv"), 0)
        XCTAssertEqual(PassTest.count(after, "Transpose"), 2)
        try PassTest.assertSameOutputs(b.graph, after, PassTest.randomFeeds(b.graph))
    }

    /// The time-major kernel (with and without the GLU, C not a multiple of 8) equals the channels-first one.
    func testTimeMajorKernelMatchesChannelsFirst() throws {
        let (batch, t, c, k) = (2, 11, 13, 5)
        let w = TestTensors.uniform([c, 1, k], seed: 1), bias = TestTensors.uniform([c], seed: 2)
        let x2 = TestTensors.uniform([batch, t, 2 * c], in: -4...4, seed: 3)
        let attrs: [String: Attribute] = ["pads": .ints([3, 1]), "activation": .string("swish")]
        // The gated input, channels-first, computed the plain way.
        let xv = x2.floats!
        var gated = [Float](repeating: 0, count: batch * c * t)
        for b in 0..<batch { for s in 0..<t { for ch in 0..<c {
            let a = xv[(b * t + s) * 2 * c + ch], g = xv[(b * t + s) * 2 * c + c + ch]
            gated[(b * c + ch) * t + s] = a / (1 + Float(exp(Double(-g))))
        } } }
        let bct = try DepthwiseConv1dPlugin(attributes: attrs).run([Tensor(gated, shape: [batch, c, t]), w, bias])[0]
        var btcAttrs = attrs
        btcAttrs["layout"] = .string("BTC")
        btcAttrs["glu"] = .int(1)
        let btc = try DepthwiseConv1dPlugin(attributes: btcAttrs).run([x2, w, bias])[0]
        let to = bct.shape[2]
        XCTAssertEqual(btc.shape, [batch, to, c])
        let (p, q) = (bct.floats!, btc.floats!)
        for b in 0..<batch { for s in 0..<to { for ch in 0..<c {
            XCTAssertEqual(q[(b * to + s) * c + ch], p[(b * c + ch) * to + s], accuracy: 1e-5 * max(1, abs(p[(b * c + ch) * to + s])))
        } } }
    }

    func testTimeMajorAttributesAreChecked() {
        XCTAssertThrowsError(try DepthwiseConv1dPlugin(attributes: ["pads": .ints([1, 1]), "glu": .int(1)]))
        XCTAssertThrowsError(try DepthwiseConv1dPlugin(attributes: ["pads": .ints([1, 1]), "layout": .string("TBC")]))
        XCTAssertThrowsError(try DepthwiseConv1dPlugin(attributes: ["pads": .ints([1, 1]), "layout": .string("BTC"), "glu": .int(2)]))
        // A channels-first node keeps exactly its old attributes (plans written before the layout existed).
        XCTAssertEqual(try DepthwiseConv1dPlugin(attributes: ["pads": .ints([1, 1])]).attributes.keys.sorted(), ["activation", "pads"])
    }
}
