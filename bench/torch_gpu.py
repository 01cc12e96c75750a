"""PyTorch on CUDA beside `npm run bench:gpu`: the same models (those of shared/reference/torch_bench.py
plus a CIFAR ResNet-18), SGD batch 128, median step (synchronised), exact GC (one backward per
class) in chunks. One JSON line per model: model, impl, examplesPerS, gcSeconds, gcExamples, device.
Exits 3 where torch or CUDA is missing (the bench then prints why and goes on without it)."""
import argparse, json, sys, time
try:
    import torch
    from torch import nn
except Exception as e:  # noqa: BLE001
    print(f'torch not importable: {e}', file=sys.stderr); sys.exit(3)
if not torch.cuda.is_available():
    print(f'torch {torch.__version__}: CUDA not available', file=sys.stderr); sys.exit(3)

def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))

def cnn():
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 5 * 5, 10))

def cbn(i, o, s=1):
    return nn.Sequential(nn.Conv2d(i, o, 3, s, 1, bias=False), nn.BatchNorm2d(o))

class ResBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.s, self.a, self.b, self.fc = cbn(3, 64), cbn(64, 64), cbn(64, 64), nn.Linear(64, 10)
    def forward(self, x):
        x = torch.relu(self.s(x))
        return self.fc(torch.relu(x + self.b(torch.relu(self.a(x)))).mean((2, 3)))

class Basic(nn.Module):
    def __init__(self, i, o, s):
        super().__init__()
        self.a, self.b = cbn(i, o, s), cbn(o, o)
        self.sc = nn.Sequential() if s == 1 and i == o else nn.Sequential(nn.Conv2d(i, o, 1, s, bias=False), nn.BatchNorm2d(o))
    def forward(self, x):
        return torch.relu(self.b(torch.relu(self.a(x))) + self.sc(x))

class ResNet18(nn.Module):
    """CIFAR ResNet-18 as gc-run's resnet18 (width 64): 3x3 stem, 4 stages x 2 BasicBlocks, GAP, dense."""
    def __init__(self, w=64):
        super().__init__()
        layers, c = [], w
        for i, m in enumerate([1, 2, 4, 8]):
            layers += [Basic(c, w * m, 1 if i == 0 else 2), Basic(w * m, w * m, 1)]
            c = w * m
        self.stem, self.body, self.fc = cbn(3, w), nn.Sequential(*layers), nn.Linear(c, 10)
    def forward(self, x):
        return self.fc(self.body(torch.relu(self.stem(x))).mean((2, 3)))

MODELS = {'mlp': (mlp, (1, 28, 28), 64), 'cnn': (cnn, (1, 28, 28), 64), 'resblock': (ResBlock, (3, 32, 32), 64), 'resnet18': (ResNet18, (3, 32, 32), 16)}

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--steps', type=int, default=10)
    ap.add_argument('--models', default='mlp,cnn,resblock,resnet18')
    ap.add_argument('--gc-examples', type=int, default=256)
    a = ap.parse_args()
    dev = torch.device('cuda')
    torch.manual_seed(0)
    name_dev = torch.cuda.get_device_name(0)
    for name in a.models.split(','):
        build, shape, chunk = MODELS[name]
        m, batch = build().to(dev), 128
        opt = torch.optim.SGD(m.parameters(), lr=0.01)
        xs, ys = torch.randn(batch, *shape, device=dev), torch.randint(0, 10, (batch,), device=dev)
        def step():
            opt.zero_grad()
            loss = nn.functional.cross_entropy(m(xs), ys)
            loss.backward()
            opt.step()
            return loss.item()  # a read per step, as gc-run's loop does
        for _ in range(3):
            step()
        times = []
        for _ in range(a.steps):
            t0 = time.perf_counter(); step(); times.append(time.perf_counter() - t0)
        times.sort()
        m.eval()
        def gc(n):
            tot = 0.0
            for i in range(0, n, chunk):
                x = torch.randn(min(chunk, n - i), *shape, device=dev).requires_grad_(True)
                out = m(x)
                for k in range(out.shape[1]):
                    g, = torch.autograd.grad(out[:, k].sum(), x, retain_graph=k < out.shape[1] - 1)
                    tot += g.pow(2).sum().item()
            return tot / n
        gc(chunk)
        torch.cuda.synchronize(); t0 = time.perf_counter(); gc(a.gc_examples); gc_s = time.perf_counter() - t0
        print(json.dumps({'model': name, 'impl': f'torch {torch.__version__} cuda', 'examplesPerS': batch / times[len(times) // 2],
                          'gcSeconds': gc_s, 'gcExamples': a.gc_examples, 'device': name_dev}), flush=True)

if __name__ == '__main__':
    main()
