"""The reference's GP fit (bo_suite.py's gp_ei: standardised results, constant × Matérn-5/2 ARD + white noise,
scikit-learn with 3 restarts) on data from stdin; bo-fitcheck.ts compares it with Axon's fit."""

import json
import sys
import warnings

import numpy as np
from scipy.stats import spearmanr
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

data = json.load(sys.stdin)
X = np.array(data["X"])
y = np.array(data["y"])
yn = (y - y.mean()) / (y.std() or 1.0)
d = X.shape[1]
kernel = ConstantKernel(1.0, (1e-3, 1e3)) * Matern(length_scale=[0.5] * d, length_scale_bounds=(1e-3, 1e3), nu=2.5) + WhiteKernel(1e-6, (1e-9, 1e-1))
gp = GaussianProcessRegressor(kernel, n_restarts_optimizer=3, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    gp.fit(X, yn)
k = gp.kernel_
out = {
    "ls": [float("%.3g" % v) for v in np.atleast_1d(k.k1.k2.length_scale)],
    "signal": float("%.3g" % k.k1.k1.constant_value),
    "noise": float("%.3g" % k.k2.noise_level),
    "rhoAll": round(float(spearmanr(gp.predict(np.array(data["test"])), data["tTest"])[0]), 3),
    "rhoNear": round(float(spearmanr(gp.predict(np.array(data["near"])), data["tNear"])[0]), 3),
}
print(json.dumps(out))
