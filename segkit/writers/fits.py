"""Plain-text rendering of ``segkit clv`` and ``segkit retention`` results (the table format)."""

from __future__ import annotations

from typing import Any


def _num(value: Any, digits: int = 4) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def _params_block(title: str, fit: dict[str, Any]) -> list[str]:
    lines = [title, f"  {'parameter':<10} {'estimate':>12} {'std. error':>12}"]
    for name, value in fit["params"].items():
        lines.append(f"  {name:<10} {_num(value, 6):>12} {_num(fit['standard_errors'].get(name), 6):>12}")
    lines.append(f"  log-likelihood {fit['loglik']:.4f}, n {fit['n']:g}, converged {_num(fit['converged'])}"
                 + ("" if fit["converged"] else f" ({fit['message']})"))
    return lines


def render_clv(result: dict[str, Any]) -> str:
    info = result["input"]
    lines = [
        f"{info['file']}: {info['rows_used']:,} of {info['rows_read']:,} transactions used "
        f"({info['rows_rejected']:,} rejected), {info['customers']:,} customers "
        f"({info['repeat_customers']:,} with repeat purchases), calibration end {info['calibration_end']}, "
        f"time unit {info['time_unit']}",
        "",
    ]
    lines += _params_block("BG/NBD (Fader, Hardie & Lee 2005)", result["bgnbd"])
    if result["gamma_gamma"]:
        lines += [""] + _params_block("Gamma-Gamma spend (Fader & Hardie note 025)", result["gamma_gamma"])
    proj = result["projections"]
    if proj:
        lines += [
            "",
            f"Projections (next {proj['horizon']:g} {proj['horizon_unit']})",
            f"  expected transactions: total {_num(proj['expected_transactions_total'], 1)}, per customer {_num(proj['expected_transactions_mean'])}",
            f"  P(alive): mean {_num(proj['p_alive_mean'])}, median {_num(proj['p_alive_median'])}, "
            f"customers below 0.5: {proj['customers_p_alive_below_0_5']:,}",
        ]
        if proj["clv_total"] is not None:
            lines.append(
                f"  CLV over {proj['clv_months']} months at {proj['discount_rate']:.0%} a year: total {_num(proj['clv_total'], 2)}, "
                f"per customer {_num(proj['clv_mean'], 2)}; expected spend per purchase {_num(proj['expected_value_mean'], 2)}"
            )
    return "\n".join(lines) + "\n"


def render_retention(result: dict[str, Any]) -> str:
    info = result["input"]
    lines = [f"{info['file']}: {info['layout']}, {len(result['cohorts'])} cohort(s)"]
    for name, c in result["cohorts"].items():
        lines.append("")
        size = "cohort size not given" if c["cohort_size"] is None else f"cohort of {c['cohort_size']:g}"
        if c["model"] == "sbg" and c["loglik"] is None:
            lines.append(f"{name}: sBG (Fader & Hardie 2007), {size}")
            lines.append(f"  {'parameter':<10} {'estimate':>12}")
            lines += [f"  {k:<10} {_num(v, 6):>12}" for k, v in c["params"].items()]
            lines.append(f"  converged {_num(c['converged'])}; no standard errors or log-likelihood: {c['no_standard_errors_reason']}")
        elif c["model"] == "sbg":
            lines += _params_block(f"{name}: sBG (Fader & Hardie 2007), {size}", {
                "params": c["params"], "standard_errors": c["standard_errors"], "loglik": c["loglik"],
                "n": c["n"], "converged": c["converged"], "message": c["message"]})
        else:
            lines.append(f"{name}: geometric fallback, churn per period {c['geometric_churn']:.6f} ({c['message']})")
        lines.append(f"  {'period':>6} {'survival':>9} {'retention':>10} {'expected alive':>15}")
        for row in c["projection"]:
            alive = "-" if row["expected_alive"] is None else f"{row['expected_alive']:,.1f}"
            lines.append(f"  {row['period']:>6} {row['survival'] * 100:>8.1f}% {row['retention_rate'] * 100:>9.1f}% {alive:>15}")
        life = "infinite (alpha <= 1)" if c["expected_lifetime"] is None else f"{c['expected_lifetime']:.3f} periods"
        lines.append(f"  expected lifetime of a new customer: {life}; capped at {c['lifetime_cap_periods']} periods: {c['expected_lifetime_capped']:.3f}")
        lines.append(f"  DERL after {c['derl_renewals']} renewals at {c['discount_rate']:.0%} per period: {c['derl']:.4f} periods")
    return "\n".join(lines) + "\n"
