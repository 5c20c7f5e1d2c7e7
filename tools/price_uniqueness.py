"""Are the clearing's prices a property of the model or of the solver? (#17 items 2 and 5)

Solves periods exported with `lodestone export-lp SCENARIO --period YYYY-MM --out F.mps`
twice, with HiGHS's QP (active set; drops Hessian terms <= 1e-9) and with Clarabel (the
engine's interior point, scaled as the engine scales it), and compares the duals of the
equality rows (node balances and facility totals, USD/kg) where something moves.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install highspy clarabel scipy numpy
    /tmp/venv/bin/python tools/price_uniqueness.py /tmp/lp/*.mps

Results are in docs/performance.md ("Session 12: are prices unique?").
"""
import sys, time, numpy as np, scipy.sparse as sp, highspy, clarabel
def load(path):
    h = highspy.Highs(); h.setOptionValue("output_flag", False); h.setOptionValue("threads", 1); h.setOptionValue("time_limit", 20.0)
    h.readModel(path); lp = h.getLp(); global HS; HS = h.getModel().hessian_
    n, m = lp.num_col_, lp.num_row_
    A = sp.csc_matrix((lp.a_matrix_.value_, lp.a_matrix_.index_, lp.a_matrix_.start_), shape=(m, n))
    return h, lp, A
def solve_highs(h):
    t = time.perf_counter(); h.run(); dt = time.perf_counter() - t
    sol = h.getSolution(); return np.array(sol.row_dual), np.array(sol.col_value), dt, h.modelStatusToString(h.getModelStatus())
def solve_clarabel(lp, A):
    n, m = lp.num_col_, lp.num_row_
    hs = HS
    P = sp.csc_matrix((hs.value_, hs.index_, hs.start_), shape=(n, n))
    rl, ru = np.array(lp.row_lower_), np.array(lp.row_upper_)
    eq = np.isclose(rl, ru)
    # rows: equalities first, then upper (<=) rows, then x >= 0
    Aeq = A[eq]; Ale = A[~eq]
    Afull = sp.vstack([Aeq, Ale, -sp.identity(n)]).tocsc()
    b = np.concatenate([ru[eq], ru[~eq], np.zeros(n)])
    scale = max(1.0, np.abs(b).max() / 1e3)
    Ps = sp.triu(P * scale).tocsc()
    cones = [clarabel.ZeroConeT(int(eq.sum())), clarabel.NonnegativeConeT(int((~eq).sum()) + n)]
    st = clarabel.DefaultSettings(); st.verbose = False
    st.tol_feas = 1e-8; st.tol_gap_abs = 1e-8; st.tol_gap_rel = 1e-8
    s = clarabel.DefaultSolver(Ps, np.array(lp.col_cost_), Afull, b / scale, cones, st)
    t = time.perf_counter(); r = s.solve(); dt = time.perf_counter() - t
    z = np.array(r.z); x = np.array(r.x) * scale
    dual = np.zeros(m); dual[np.where(eq)[0]] = z[:eq.sum()]; dual[np.where(~eq)[0]] = z[eq.sum():eq.sum() + (~eq).sum()]
    return dual, x, dt, str(r.status)
for path in sys.argv[1:]:
    h, lp, A = load(path)
    rl, ru = np.array(lp.row_lower_), np.array(lp.row_upper_); eq = np.isclose(rl, ru)
    dh, xh, th, stt = solve_highs(h)
    dc, xc, tc, stc = solve_clarabel(lp, A)
    # HiGHS row duals: d(obj)/d(rhs) sign; Clarabel z: price = -z. Compare magnitudes with both sign conventions
    ph, pc = dh, -dc
    if np.abs(ph[eq] - pc[eq]).max() > np.abs(-ph[eq] - pc[eq]).max(): ph = -ph
    # activity of a row: sum |a_ij x_j|
    act = np.abs(A).dot(np.abs(xc))
    traded = eq & (act > 1e-6 * act.max())
    d = np.abs(ph - pc)
    obj = lambda x: 0.5 * x @ (sp.csc_matrix((HS.value_, HS.index_, HS.start_), shape=(lp.num_col_,)*2) @ x) + np.array(lp.col_cost_) @ x
    oh, oc = obj(xh), obj(xc)
    big = np.argsort(-np.where(traded, d, 0))[:5]
    print(f"{path.split('/')[-1]}: HiGHS {stt} {th*1e3:.0f} ms, Clarabel {stc} {tc*1e3:.0f} ms, obj rel diff {abs(oh-oc)/abs(oc):.1e}; "
          f"eq rows {eq.sum()}, traded {traded.sum()}: max |dprice| traded {d[traded].max():.4f}, >1e-3: {(d[traded]>1e-3).sum()}; idle max {d[eq & ~traded].max() if (eq&~traded).any() else 0:.3f}")
    print("   worst traded rows:", [(int(i), round(float(pc[i]),3), round(float(ph[i]),3)) for i in big if d[i] > 1e-3])
