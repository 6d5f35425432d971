"""Simple exponential smoothing, ETS(A,N,N), fitted by maximum likelihood, with its analytic prediction
intervals (Hyndman & Athanasopoulos, Forecasting: Principles and Practice, ch. 8).

    forecast of y_t:  l_{t-1};    level:  l_t = l_{t-1} + alpha (y_t - l_{t-1})

With additive Gaussian errors and the variance concentrated out (sigma^2 = SSE / n), maximising the
likelihood is minimising the sum of squared one-step errors over alpha and the initial level l_0. For a
given alpha the errors are linear in l_0 (e_t = a_t - (1 - alpha)^(t-1) l_0), so l_0 has a closed form and
only alpha is searched: on a grid over [1e-4, 1 - 1e-4] (statsmodels' bounds), then on finer grids
around the best point (to about 1e-8: the likelihood is flat that close to its maximum). h steps ahead
the variance is sigma^2 (1 + alpha^2 (h - 1)).

Written here rather than called from statsmodels: a night refits every series when a month is added, and
statsmodels' general state-space machinery took about 20 ms a fit; this takes well under 1 ms. The unit
tests check it against statsmodels' ETSModel on many series."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ALPHA_BOUNDS = (1e-4, 1 - 1e-4)
GRID = np.linspace(*ALPHA_BOUNDS, 201)
REFINEMENTS = 5  # 201 points, then 41 between neighbours four times: steps of 5e-3, 2.5e-4, ... 3e-8


@dataclass(frozen=True)
class SesFit:
    alpha: float
    initial_level: float
    level: float  # after the last observation: the point forecast at every horizon
    sigma2: float  # mean squared one-step error (the maximum-likelihood variance)

    def variance(self, horizon: int) -> np.ndarray:
        """Forecast error variance 1..horizon steps ahead."""
        h = np.arange(1, horizon + 1)
        return self.sigma2 * (1 + self.alpha ** 2 * (h - 1))


def _errors_parts(y: np.ndarray, alphas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each alpha (rows): a_t, the one-step errors with l_0 = 0, and b_t = (1 - alpha)^(t-1), so that
    the errors with initial level l_0 are a_t - b_t l_0."""
    n = len(y)
    level = np.zeros(len(alphas))
    a = np.empty((len(alphas), n))
    for t in range(n):  # n is months of history (tens): a loop over time, vectorised over the alphas
        a[:, t] = y[t] - level
        level = level + alphas * a[:, t]
    b = (1 - alphas)[:, None] ** np.arange(n)[None, :]
    return a, b


def _sse(y: np.ndarray, alphas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum of squared errors at the best initial level for each alpha, and that level."""
    a, b = _errors_parts(y, alphas)
    l0 = (a * b).sum(axis=1) / (b * b).sum(axis=1)
    return ((a - b * l0[:, None]) ** 2).sum(axis=1), l0


def fit_ses(y: np.ndarray) -> SesFit:
    """Maximum-likelihood ETS(A,N,N) of the series `y` (at least two values)."""
    y = np.asarray(y, dtype=float)
    alphas = GRID
    for _ in range(REFINEMENTS):  # each pass: a finer grid between the best point's neighbours
        sse, l0 = _sse(y, alphas)
        best = int(np.argmin(sse))
        alpha, initial, least = float(alphas[best]), float(l0[best]), float(sse[best])
        alphas = np.linspace(alphas[max(best - 1, 0)], alphas[min(best + 1, len(alphas) - 1)], 41)
    level = initial
    for value in y:
        level += alpha * (value - level)
    return SesFit(alpha=alpha, initial_level=initial, level=level, sigma2=least / len(y))
