"""The forecasts' exponential smoothing (analytics/smoothing.py) against statsmodels' ETSModel, the
reference implementation of ETS(A,N,N): never a worse likelihood, and the same forecast and intervals
wherever statsmodels finds the maximum (its optimiser sometimes stops at a local one)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from analytics.forecast import Z95
from analytics.smoothing import fit_ses


def _series(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(6, 72))
    kind = seed % 4
    if kind == 0:  # monthly counts of a small region
        return rng.poisson(rng.uniform(0.5, 30), n).astype(float)
    if kind == 1:  # a wandering level
        return np.cumsum(rng.normal(0, 3, n)) + 50
    if kind == 2:  # rising demand
        return rng.poisson(np.linspace(5, 40, n)).astype(float)
    return rng.normal(100, 10, n).round()


def _statsmodels(y: np.ndarray, horizon: int):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    index = pd.period_range("2021-01", periods=len(y), freq="M").to_timestamp()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ETSModel(pd.Series(y, index=index), error="add", trend=None, seasonal=None).fit(disp=False)
        frame = fit.get_prediction(start=len(y), end=len(y) + horizon - 1).summary_frame(alpha=0.05)
    return float(np.sum(fit.resid ** 2)), frame


def test_maximum_likelihood_as_statsmodels_finds_it_or_better():
    agreed = 0
    for seed in range(80):
        y = _series(seed)
        reference_sse, frame = _statsmodels(y, 12)
        fit = fit_ses(y)
        sse = fit.sigma2 * len(y)
        assert sse <= reference_sse * (1 + 1e-9), f"series {seed}: a worse fit than statsmodels"
        if sse < reference_sse * (1 - 1e-6):
            continue  # statsmodels stopped at a local maximum of the likelihood
        agreed += 1
        sd = np.sqrt(fit.variance(12))
        scale = max(1.0, abs(fit.level))
        np.testing.assert_allclose(frame["mean"], fit.level, atol=1e-3 * scale)
        np.testing.assert_allclose(frame["pi_upper"], fit.level + Z95 * sd, atol=1e-3 * scale)
        np.testing.assert_allclose(frame["pi_lower"], fit.level - Z95 * sd, atol=1e-3 * scale)
    assert agreed >= 70


@pytest.mark.parametrize("y", [[5.0, 5.0, 5.0, 6.0], [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 9.0], [1e6, 1e6 + 3, 1e6 - 2]])
def test_edge_series_give_finite_fits_within_bounds(y):
    fit = fit_ses(np.array(y))
    assert 1e-4 <= fit.alpha <= 1 - 1e-4
    assert np.isfinite([fit.level, fit.sigma2, fit.initial_level]).all() and fit.sigma2 >= 0
