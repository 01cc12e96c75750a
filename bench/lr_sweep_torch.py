#!/usr/bin/env python3
"""PyTorch doing the work of one epoch of configs/lr-sweep.yaml, for `npm run bench`'s lr-sweep row.

Usage: /usr/bin/python3 bench/lr_sweep_torch.py --data datasets/fashion-mnist [--threads 1] [--epochs 5]
       [--lr 0.01] [--widths 256,256] [--batch 32] [--train 2000] [--test 2000] [--eval-batch 500]
       [--gc-examples 256] [--gc-batch 32]

The same work as gc-run's Trainer (src/train/trainer.ts) on that config: an MLP 784-W1-W2-10 (relu,
He-normal weights), SGD at lr, batch 32 over a fresh shuffle of 2 000 training examples, with the step's
loss and correct count read back after every step (gc-run reads them to report train loss/accuracy);
then test loss and accuracy over 2 000 test examples in batches of eval-batch. GC: exact, the mean
squared Frobenius norm of d logits / d input over 256 training examples in batches of gc-batch, one
backward pass per class (how one computes it in PyTorch).
Prints one JSON line: median epoch seconds and median GC seconds over --epochs epochs (after one
warm-up epoch), the BLAS library torch loaded ('blas') and the thread settings.
"""
import argparse, gzip, json, os, sys, time

def _threads_from_argv():
    for i, a in enumerate(sys.argv):
        if a == '--threads' and i + 1 < len(sys.argv): return sys.argv[i + 1]
        if a.startswith('--threads='): return a.split('=', 1)[1]
    return '1'

# As ../shared/reference/torch_bench.py: OpenBLAS threads are fixed before torch loads its BLAS, and
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on some machines for old OpenBLAS builds) are dropped.
os.environ['OPENBLAS_NUM_THREADS'] = os.environ['OMP_NUM_THREADS'] = _threads_from_argv()
for k in ('OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'): os.environ.pop(k, None)
import torch
import torch.nn as nn

def blas_loaded():
    """The BLAS libraries this process mapped (Debian picks libblas.so.3 by alternatives)."""
    try:
        libs = {l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.lower() and '/' in l}
    except OSError:
        return 'unknown'
    return ','.join(sorted({os.path.realpath(x) for x in libs})) or 'none found'

def idx(path):
    """An IDX file (gzip) as a uint8 tensor of its shape."""
    with gzip.open(path, 'rb') as f:
        data = f.read()
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], 'big') for i in range(ndim)]
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).reshape(shape)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--epochs', type=int, default=5)
    ap.add_argument('--lr', type=float, default=0.01)
    ap.add_argument('--widths', default='256,256')
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--train', type=int, default=2000)
    ap.add_argument('--test', type=int, default=2000)
    ap.add_argument('--eval-batch', type=int, default=500)
    ap.add_argument('--gc-examples', type=int, default=256)
    ap.add_argument('--gc-batch', type=int, default=32)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    xtr = idx(os.path.join(a.data, 'train-images-idx3-ubyte.gz'))[:a.train].float().div(255).reshape(a.train, -1)
    ytr = idx(os.path.join(a.data, 'train-labels-idx1-ubyte.gz'))[:a.train].long()
    xte = idx(os.path.join(a.data, 't10k-images-idx3-ubyte.gz'))[:a.test].float().div(255).reshape(a.test, -1)
    yte = idx(os.path.join(a.data, 't10k-labels-idx1-ubyte.gz'))[:a.test].long()
    widths = [int(w) for w in a.widths.split(',') if w]
    layers, n = [], xtr.shape[1]
    for w in widths:
        lin = nn.Linear(n, w)
        nn.init.kaiming_normal_(lin.weight, nonlinearity='relu')
        nn.init.zeros_(lin.bias)
        layers += [lin, nn.ReLU()]
        n = w
    layers.append(nn.Linear(n, 10))
    m = nn.Sequential(*layers)
    opt = torch.optim.SGD(m.parameters(), lr=a.lr)
    gcx = xtr[:a.gc_examples]

    def epoch():
        m.train()
        perm = torch.randperm(a.train)
        loss_sum, correct = 0.0, 0
        for s in range(0, a.train, a.batch):
            i = perm[s:s + a.batch]
            xb, yb = xtr[i], ytr[i]
            opt.zero_grad()
            out = m(xb)
            loss = nn.functional.cross_entropy(out, yb)
            loss.backward()
            opt.step()
            # gc-run reads each step's loss and correct count back (train loss / accuracy columns).
            loss_sum += loss.item() * len(i)
            correct += int((out.argmax(1) == yb).sum().item())
        m.eval()
        with torch.no_grad():
            tl, tc = 0.0, 0
            for s in range(0, a.test, a.eval_batch):
                out = m(xte[s:s + a.eval_batch])
                tl += nn.functional.cross_entropy(out, yte[s:s + a.eval_batch], reduction='sum').item()
                tc += int((out.argmax(1) == yte[s:s + a.eval_batch]).sum().item())
        return loss_sum, correct, tl, tc

    def gc():
        m.eval()
        total = 0.0
        for s in range(0, a.gc_examples, a.gc_batch):
            x = gcx[s:s + a.gc_batch].clone().requires_grad_(True)
            out = m(x)
            acc = torch.zeros(x.shape[0])
            for k in range(out.shape[1]):
                g, = torch.autograd.grad(out[:, k].sum(), x, retain_graph=k + 1 < out.shape[1])
                acc += g.pow(2).sum(1)
            total += acc.sum().item()
        return total / a.gc_examples

    epoch()
    gc()
    ep, gcs, gc_value = [], [], 0.0
    for _ in range(a.epochs):
        t0 = time.perf_counter(); epoch(); ep.append(time.perf_counter() - t0)
        t0 = time.perf_counter(); gc_value = gc(); gcs.append(time.perf_counter() - t0)
    ep.sort(); gcs.sort()
    print(json.dumps({'impl': f'torch-{torch.__version__}-cpu', 'threads': a.threads, 'blas': blas_loaded(),
                      'openblas_num_threads': os.environ.get('OPENBLAS_NUM_THREADS'),
                      'epoch_s': round(ep[len(ep) // 2], 4), 'gc_s': round(gcs[len(gcs) // 2], 4), 'gc': gc_value,
                      'epochs': a.epochs}))

if __name__ == '__main__':
    main()
