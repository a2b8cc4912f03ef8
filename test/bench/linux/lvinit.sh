# /etc/lvinit.d/50-bench of the benchmark initramfs (test/bench/bench.mk):
# the virtual counter when /init runs its scripts, right after its marker.
grep -q lvbench /proc/cmdline && echo "LVBENCH init $(lvclock)"
