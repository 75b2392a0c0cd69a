"""Generates the TorchScript kernels of the memory-saving optimizers (DD032), loaded through DJL like DD019's.

DJL 0.36's NDArray has no SVD and cannot hold bfloat16 on the CPU; these two scripted modules run inside libtorch
and exchange only float32 and int64 arrays with DJL:

  galore_svd.pt     forward(g (m, n) float32, side () int64) -> Vh (k, n) when side == 1, U (m, k) when side == 0,
                    k = min(m, n): torch.linalg.svd(g, full_matrices=False), exactly what GaLore's projector calls
                    (the caller keeps the first `rank` rows of Vh or columns of U).
  muon_newton_schulz.pt
                    forward(g (m, n) float32, steps () int64) -> (m, n) float32: LLaMA-Factory's
                    zeropower_via_newtonschulz5 (third_party/muon/muon.py), iterated in bfloat16 as there, widened
                    to float32 at the end (the optimizer adds it to float32 weights, which widens it the same way).
  apollo_random.pt  forward(seed () int64, rows () int64, cols () int64) -> APOLLO's random_projector.stable_randn:
                    torch.randn((rows, cols), generator=torch.Generator().manual_seed(seed)) float32; with rows == 0
                    its next_seed(seed): the last of torch.randint(0, 2^63 - 1, (15,), generator) as a () int64.
  badam_random.pt   forward(seed () int64, n () int64, mode () int64) -> int64: BAdam ratio mode's draws from a
                    torch.Generator().manual_seed(seed): mode 0, n successive torch.randint(0, 1000, (1,)) (the
                    per-parameter seeds BlockOptimizerRatio draws in parameter order) as (n); mode 1, torch.randperm(n)
                    (the scatter mask's permutation after torch.random.manual_seed(parameter seed)) as (n).

Run from the repository root with PyTorch (generated with 2.13 CPU; libtorch 2.7.1 reads the archives):
    python platform-trainer/engine/src/main/python/optimizer_kernels.py
MemorySavingOptimizersGoldenTest checks both against the official optimizers' updates.
"""
import os

from typing import List

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
ARCHIVES = os.path.join(ROOT, "src", "main", "resources", "io", "tuneforge", "trainer", "kernels")


class GaLoreSvd(torch.nn.Module):
    def forward(self, g: torch.Tensor, side: torch.Tensor) -> torch.Tensor:
        u, s, vh = torch.linalg.svd(g, full_matrices=False)
        if int(side.item()) == 1:
            return vh
        return u


class MuonNewtonSchulz(torch.nn.Module):
    def forward(self, g: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
        a, b, c = (3.4445, -4.7750, 2.0315)
        x = g.to(torch.bfloat16)
        tall = g.size(0) > g.size(1)
        if tall:
            x = x.T
        x = x / (x.norm() + 1e-7)
        for _ in range(int(steps.item())):
            m = x @ x.T
            n = b * m + c * m @ m
            x = a * x + n @ x
        if tall:
            x = x.T
        return x.float()


class ApolloRandom(torch.nn.Module):
    def forward(self, seed: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
        g = torch.Generator()
        g.manual_seed(int(seed.item()))
        if int(rows.item()) == 0:
            draws = torch.randint(0, 9223372036854775807, [15], generator=g, dtype=torch.int64)
            return draws[14]
        return torch.randn([int(rows.item()), int(cols.item())], generator=g)


class BadamRandom(torch.nn.Module):
    def forward(self, seed: torch.Tensor, n: torch.Tensor, mode: torch.Tensor) -> torch.Tensor:
        g = torch.Generator()
        g.manual_seed(int(seed.item()))
        if int(mode.item()) == 1:
            return torch.randperm(int(n.item()), generator=g)
        draws: List[torch.Tensor] = []
        for _ in range(int(n.item())):
            draws.append(torch.randint(0, 1000, [1], generator=g, dtype=torch.int64))
        return torch.cat(draws)


def main():
    os.makedirs(ARCHIVES, exist_ok=True)
    torch.jit.script(GaLoreSvd()).save(os.path.join(ARCHIVES, "galore_svd.pt"))
    torch.jit.script(MuonNewtonSchulz()).save(os.path.join(ARCHIVES, "muon_newton_schulz.pt"))
    torch.jit.script(ApolloRandom()).save(os.path.join(ARCHIVES, "apollo_random.pt"))
    torch.jit.script(BadamRandom()).save(os.path.join(ARCHIVES, "badam_random.pt"))


if __name__ == "__main__":
    main()
