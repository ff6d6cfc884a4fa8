import XCTest
@testable import IR

final class DimExprTests: XCTestCase {
    private func text(_ s: String) -> String { DimExpr(Dim.symbol(s)).description }

    func testSumsAndProductsCollectLikeTerms() {
        let t: Dim = "T"
        XCTAssertEqual(t.adding(t), "2*T")
        XCTAssertEqual(t.adding(3).subtracting(3), "T")
        XCTAssertEqual(t.subtracting(t), .value(0))
        XCTAssertEqual(Dim.symbol("B").multiplied(by: "T"), Dim.symbol("T").multiplied(by: "B"))
        XCTAssertEqual(Dim.symbol("B").multiplied(by: "T"), "B*T")
        XCTAssertEqual(Dim.value(4).multiplied(by: 16), .value(64))
        XCTAssertEqual(text("(T+1)*2"), "2*T+2")
        XCTAssertEqual(text("3-T"), "-T+3")
    }

    func testFloorDivisionNormalizesTheConstant() {
        // ⌊(T-3)/2⌋+1 and ⌊(T-1)/2⌋ are the same function of T and print the same.
        XCTAssertEqual(text("(T-3)/2+1"), "(T-1)/2")
        XCTAssertEqual(text("(T-1)/2"), "(T-1)/2")
        XCTAssertEqual(text("(2*T+2)/2"), "T+1")
        XCTAssertEqual(text("(3*T)/2"), "T+T/2")
        XCTAssertEqual(text("(2*T-2)/4"), "(T-1)/2")
        XCTAssertEqual(text("7/2"), "3")
        XCTAssertEqual(text("(0-7)/2"), "-4")
        XCTAssertEqual(Dim.symbol("T").floorDivided(by: 1), "T")
        XCTAssertNil(Dim.symbol("T").floorDivided(by: 0))
    }

    func testNestedFloorDivisionsMerge() {
        // WeNet's 4x subsampling: ((T-1)//2 - 1)//2 == (T-3)//4.
        XCTAssertEqual(text("((T-1)/2-1)/2"), "(T-3)/4")
        XCTAssertEqual(Dim.symbol("T").floorDivided(by: 2)!.floorDivided(by: 2), "T/4")
    }

    func testCeilDivisionAndSymbolicDivisors() {
        XCTAssertEqual(Dim.symbol("T").ceilDivided(by: 2), "(T-1)/2+1")
        XCTAssertEqual(Dim.value(7).ceilDivided(by: 2), .value(4))
        XCTAssertEqual(Dim.symbol("B").multiplied(by: "T").multiplied(by: 256).floorDivided(by: Dim.symbol("B").multiplied(by: 4)), "64*T")
        XCTAssertEqual(Dim.symbol("T").floorDivided(by: "B"), "T/B")
    }

    func testTextRoundTripsAndOpaqueNames() {
        for s in ["B*T", "(T-1)/2", "T/B", "2*T+1", "min(T,U)", "-T+3"] {
            XCTAssertEqual(text(s), s)
            XCTAssertEqual(text(text(s)), text(s))
        }
        XCTAssertEqual(Dim.symbol("seq len").adding(1), "[seq len]+1")
        XCTAssertEqual(Dim.symbol("seq len").adding(1).subtracting(1), "seq len")
        XCTAssertEqual(Dim.symbol("batch_size").multiplied(by: 2), "2*batch_size")
    }

    func testMinFoldsWhenTheDifferenceIsConstant() {
        XCTAssertEqual(DimExpr.min(DimExpr(Dim.symbol("T")), DimExpr(Dim.symbol("T+1"))).description, "T")
        XCTAssertEqual(DimExpr.min(DimExpr(Dim.symbol("T")), DimExpr(Dim.symbol("U"))).description, "min(T,U)")
        XCTAssertEqual(DimExpr.min(DimExpr(Dim.symbol("U")), DimExpr(Dim.symbol("T"))).description, "min(T,U)")
    }

    func testProvableEquality() {
        XCTAssertTrue(Dim.symbol("T+1").isProvablyDifferent(from: "T"))
        XCTAssertFalse(Dim.symbol("T").isProvablyDifferent(from: "U"))
        XCTAssertTrue(Dim.symbol("1+T").isProvablyEqual(to: "T+1"))
        XCTAssertTrue(Dim.value(3).isProvablyDifferent(from: 4))
    }
}
