"""gans_edu.flops: the counter agrees with hand-counted products, and works through autograd.grad."""

import torch

from gans_edu.flops import count_flops


def test_matrix_product_counted_as_two_flops_per_multiply_add():
    a, b = torch.randn(3, 4), torch.randn(4, 5)
    assert count_flops(lambda: a @ b) == 2 * 3 * 4 * 5


def test_counts_through_a_gradient_penalty():
    w = torch.randn(4, 5, requires_grad=True)
    x = torch.randn(3, 4, requires_grad=True)

    def penalty():
        out = (x @ w).sum()
        (g,) = torch.autograd.grad(out, x, create_graph=True)
        g.norm().backward()

    assert count_flops(penalty) >= 2 * 3 * 4 * 5  # at least the forward product; no error from the penalty
