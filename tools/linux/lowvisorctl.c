// SPDX-License-Identifier: MIT
/*
 * lowvisorctl: drive Lowvisor's VMs from the management partition's Linux
 * through /dev/lowvisor (tools/linux/lowvisor.c).  A static armhf program.
 *
 *   lowvisorctl list
 *   lowvisorctl devices
 *   lowvisorctl irq VM spi INTID 0|1
 *   lowvisorctl irq VM ppi VCPU INTID 0|1
 *   lowvisorctl irq VM line VCPU irq|fiq 0|1
 *   lowvisorctl pause|resume|reset|stop VM
 *   lowvisorctl console VM [N]
 *
 * VM is a name (as `list` shows) or an id.  `devices` lists every VM's
 * emulated devices (VM_LIST) with the state lowvisord's state file gives
 * (lowvisord.h), "-" where it gives none or the daemon is not running.
 * `console` attaches to the endpoint lowvisord gives VM's virtio-console
 * N (by default its first), /run/lowvisord/console-NAME-N: the terminal in
 * raw mode, both ways copied until Ctrl-] (CONSOLE_ESCAPE) or the end of
 * stdin.  Stdin need not be a terminal: at its end, what the guest answers
 * is still copied until the console has been quiet for CONSOLE_LINGER_MS.  Errors are printed as words on
 * stderr and the exit status is 1 (2 for a bad command line).
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "lowvisor-dev.h"
#include "lowvisord.h"

#define DEVICE "/dev/lowvisor"
/* Ctrl-]: telnet's; Ctrl-A is Lowvisor's own console's (and QEMU's). */
#define CONSOLE_ESCAPE 0x1d
#define CONSOLE_LINGER_MS 2000

static const char *prog = "lowvisorctl";
static int dev = -1;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s COMMAND ...\n"
		"  list                              the VMs: id, name, state, vCPUs, memory, and\n"
		"                                    vCPUs waiting for a device backend\n"
		"  devices                           every VM's emulated devices: VM id and name,\n"
		"                                    index, type, backend VM, window, interrupt ID\n"
		"                                    and lowvisord's state of it (- if none)\n"
		"  irq VM spi INTID 0|1              lower (0) or raise (1) shared interrupt INTID\n"
		"                                    (a GIC ID, 32..; DT <0 N ...> is ID N + 32)\n"
		"  irq VM ppi VCPU INTID 0|1         the private interrupt INTID (16..31) of a vCPU\n"
		"  irq VM line VCPU irq|fiq 0|1      a vCPU's own IRQ or FIQ line\n"
		"  pause VM | resume VM              stop and restart its vCPUs, state kept\n"
		"  reset VM                          restart it from its images\n"
		"  stop VM                           power it off\n"
		"  console VM [N]                    attach to VM's virtio-console N (default: its\n"
		"                                    first) that lowvisord serves; Ctrl-] leaves\n"
		"  --help                            this text\n"
		"VM is a name or an id.  Edge-triggered interrupts are pended by a 0->1 change;\n"
		"level-sensitive ones follow the line (as KVM_IRQ_LINE).  Needs %s (insmod\n"
		"lowvisor.ko) in Lowvisor's management partition.\n",
		prog, DEVICE);
}

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(%s --help shows the commands)\n", prog);
	return 2;
}

/* What an errno from the device means here. */
static const char *why(int err)
{
	switch (err) {
	case EPERM:
		return "permission denied (this VM is not the management partition)";
	case ENOENT:
		return "no such VM";
	case EINVAL:
		return "invalid argument (interrupt number, vCPU or level out of range for that VM,"
		       " or the VM's state does not allow it)";
	case EFAULT:
		return "bad address";
	case ENOTTY:
		return "not Lowvisor's device (wrong module?)";
	default:
		return strerror(err);
	}
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, why(err));
	return 1;
}

static int open_dev(void)
{
	dev = open(DEVICE, O_RDWR);
	if (dev < 0) {
		int err = errno;

		fprintf(stderr, "%s: %s: %s%s\n", prog, DEVICE, strerror(err),
			err == ENOENT ? " (load the module: insmod lowvisor.ko)" : "");
		return -1;
	}
	return 0;
}

static bool parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > 0xffffffffUL)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Calls fn on each VM (LIST in batches); stops when fn returns nonzero. */
static int for_each_vm(int (*fn)(const struct lowvisor_vm_info *vm, void *arg), void *arg)
{
	struct lowvisor_vm_list l;
	uint32_t i;

	memset(&l, 0, sizeof(l));
	do {
		if (ioctl(dev, LOWVISOR_VM_LIST, &l) < 0)
			return -errno;
		for (i = 0; i < l.count; i++) {
			int r = fn(&l.vms[i], arg);

			if (r)
				return r;
		}
		l.first += l.count;
	} while (l.count && l.first < l.total);
	return 0;
}

static const char *state_name(uint32_t s)
{
	switch (s) {
	case LOWVISOR_VM_RUNNING:
		return "running";
	case LOWVISOR_VM_STOPPED:
		return "stopped";
	case LOWVISOR_VM_PAUSED:
		return "paused";
	case LOWVISOR_VM_RESETTING:
		return "resetting";
	default:
		return "?";
	}
}

static int print_vm(const struct lowvisor_vm_info *vm, void *arg)
{
	(void)arg;
	printf("%3u  %-20.32s %-8s %5u %7u MiB", vm->id, vm->name, state_name(vm->state),
	       vm->vcpus, vm->mem_mib);
	if (vm->waiting)
		printf("  %u vCPU%s waiting for a device backend", vm->waiting,
		       vm->waiting == 1 ? "" : "s");
	printf("\n");
	return 0;
}

static int cmd_list(void)
{
	int r;

	printf(" id  name                 state    vcpus  memory\n");
	r = for_each_vm(print_vm, NULL);
	return r < 0 ? fail("list", -r) : 0;
}

/* ---- devices ---- */

/* Every VM's entry at once: names of backends are looked up in it. */
struct vm_table {
	struct lowvisor_vm_info *vms;
	unsigned int count, size;
};

static int vm_collect(const struct lowvisor_vm_info *vm, void *arg)
{
	struct vm_table *t = arg;

	if (t->count == t->size) {
		void *p = realloc(t->vms, (t->size * 2 + 8) * sizeof(*t->vms));

		if (!p)
			return -ENOMEM;
		t->vms = p;
		t->size = t->size * 2 + 8;
	}
	t->vms[t->count++] = *vm;
	return 0;
}

/* lowvisord's word for each window it serves; "" for none. */
static char states[LOWVISOR_IOREQ_VMS][LOWVISOR_VIRTIO_MAX][32];

/* Is pid a running lowvisord?  A state file outlives a killed daemon. */
static bool lowvisord_runs(int pid)
{
	char path[32], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = 0;
	fclose(f);
	return !strcmp(comm, "lowvisord\n");
}

/* states[] from the state file ("pid PID", then "VM DEVICE STATE" lines),
 * if its daemon runs; nothing otherwise. */
static void states_read(void)
{
	FILE *f = fopen(LOWVISORD_STATE_FILE, "r");
	char line[96], state[32];
	unsigned int vm, i;
	int pid;

	if (!f)
		return;
	if (fgets(line, sizeof(line), f) && sscanf(line, "pid %d", &pid) == 1 &&
	    lowvisord_runs(pid))
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%u %u %31[^\n]", &vm, &i, state) == 3 &&
			    vm < LOWVISOR_IOREQ_VMS && i < LOWVISOR_VIRTIO_MAX)
				strcpy(states[vm][i], state);
	fclose(f);
}

static const char *backend_name(const struct vm_table *t, unsigned int id, char *buf,
				size_t size)
{
	unsigned int i;

	for (i = 0; i < t->count; i++)
		if (t->vms[i].id == id) {
			snprintf(buf, size, "%.32s", t->vms[i].name);
			return buf;
		}
	snprintf(buf, size, "%u", id);
	return buf;
}

static void print_devices(const struct vm_table *t, const struct lowvisor_vm_info *vm)
{
	char backend[40];
	unsigned int i;

	for (i = 0; i < vm->virtio_count && i < LOWVISOR_VIRTIO_MAX; i++)
		printf("%3u  %-20.32s %3u  %-8s %-20s 0x%08x %4u  %s\n", vm->id, vm->name, i,
		       virtio_type_name(vm->virtio_type[i]),
		       backend_name(t, vm->virtio_backend[i], backend, sizeof(backend)),
		       LOWVISOR_VIRTIO_BASE + i * LOWVISOR_VIRTIO_SIZE,
		       32 + LOWVISOR_VIRTIO_SPI + i,
		       /* The daemon learns of it only at its next touch of the RAM. */
		       vm->state == LOWVISOR_VM_STOPPED ? "vm stopped" :
		       vm->id < LOWVISOR_IOREQ_VMS && states[vm->id][i][0] ? states[vm->id][i] : "-");
}

static int cmd_devices(void)
{
	struct vm_table t = { NULL, 0, 0 };
	unsigned int i;
	int r = for_each_vm(vm_collect, &t);

	if (r < 0) {
		free(t.vms);
		return fail("list", -r);
	}
	states_read();
	printf("%3s  %-20s %3s  %-8s %-20s %-10s %4s  %s\n", "id", "vm", "dev", "type", "backend",
	       "window", "irq", "state");
	for (i = 0; i < t.count; i++)
		print_devices(&t, &t.vms[i]);
	free(t.vms);
	return 0;
}

struct find {
	const char *name;
	uint32_t id;
};

static int match_name(const struct lowvisor_vm_info *vm, void *arg)
{
	struct find *f = arg;

	if (strncmp(vm->name, f->name, sizeof(vm->name)) != 0)
		return 0;
	f->id = vm->id;
	return 1;
}

/* A VM by name, or by id (a number that is no VM's name). */
static int vm_id(const char *s, uint32_t *id)
{
	struct find f = { s, 0 };
	int r = for_each_vm(match_name, &f);

	if (r < 0)
		return fail("list", -r);
	if (r > 0) {
		*id = f.id;
		return 0;
	}
	if (parse_u32(s, id))
		return 0;
	fprintf(stderr, "%s: %s: no such VM (lowvisorctl list shows them)\n", prog, s);
	return 1;
}

static int cmd_vm(const char *cmd, unsigned long req, const char *name)
{
	char what[96];
	uint32_t id;
	int r = vm_id(name, &id);

	if (r)
		return r;
	snprintf(what, sizeof(what), "%s %s", cmd, name);
	if (ioctl(dev, req, &id) < 0)
		return fail(what, errno);
	return 0;
}

/* ---- console ---- */

struct find_info {
	uint32_t id;
	struct lowvisor_vm_info vm;
};

static int match_id(const struct lowvisor_vm_info *vm, void *arg)
{
	struct find_info *f = arg;

	if (vm->id != f->id)
		return 0;
	f->vm = *vm;
	return 1;
}

/* VM's console index: n as given, checked, or (NULL) its first; -1 having
 * said why not. */
static int console_index(const struct lowvisor_vm_info *vm, const char *n)
{
	uint32_t i;

	if (n) {
		if (!parse_u32(n, &i) || i >= vm->virtio_count || i >= LOWVISOR_VIRTIO_MAX ||
		    vm->virtio_type[i] != 3) {
			fprintf(stderr, "%s: vm '%.32s' has no console device %s (lowvisorctl "
				"devices)\n", prog, vm->name, n);
			return -1;
		}
		return (int)i;
	}
	for (i = 0; i < vm->virtio_count && i < LOWVISOR_VIRTIO_MAX; i++)
		if (vm->virtio_type[i] == 3)
			return (int)i;
	fprintf(stderr, "%s: vm '%.32s' has no console device (lowvisorctl devices)\n", prog,
		vm->name);
	return -1;
}

static int console_connect(const struct lowvisor_vm_info *vm, int n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "/run/lowvisord/console-%.32s-%d", vm->name, n);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "%s: %s: %s (does lowvisord serve it? SPEC con:%.32s:%d)\n", prog,
			sa.sun_path, strerror(errno), vm->name, n);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static bool write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t r = write(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p += r;
		len -= (size_t)r;
	}
	return true;
}

/* Stdin's bytes to the console up to the escape key (tty only); false at
 * the end: the escape, stdin's end or an error. */
static bool console_input(int sock, bool tty)
{
	char buf[1024], *esc;
	ssize_t r = read(0, buf, sizeof(buf));

	if (r < 0 && errno == EINTR)
		return true;
	if (r <= 0)
		return false;
	esc = tty ? memchr(buf, CONSOLE_ESCAPE, (size_t)r) : NULL;
	if (!write_all(sock, buf, esc ? (size_t)(esc - buf) : (size_t)r))
		return false;
	return !esc;
}

/* Copies both ways until the escape key, stdin's end (then the linger) or
 * the daemon's end of the socket. */
static void console_copy(int sock, bool tty)
{
	struct pollfd p[2] = { { .fd = sock, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
	bool in = true;
	char buf[1024];

	for (;;) {
		int r = poll(p, in ? 2 : 1, in ? -1 : CONSOLE_LINGER_MS);
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return; /* quiet since stdin's end */
		if (p[0].revents) {
			n = read(sock, buf, sizeof(buf));
			if (n <= 0 || !write_all(1, buf, (size_t)n))
				return;
		}
		if (in && p[1].revents && !console_input(sock, tty)) {
			if (tty)
				return;
			in = false;
		}
	}
}

static int cmd_console(const char *name, const char *n)
{
	struct find_info f;
	struct termios old, raw;
	bool tty = isatty(0);
	int sock, i;

	if (vm_id(name, &f.id))
		return 1;
	i = for_each_vm(match_id, &f);
	if (i <= 0) {
		fprintf(stderr, "%s: %s: no such VM (lowvisorctl list shows them)\n", prog, name);
		return 1;
	}
	i = console_index(&f.vm, n);
	sock = i < 0 ? -1 : console_connect(&f.vm, i);
	if (sock < 0)
		return 1;
	if (tty && !tcgetattr(0, &old)) {
		fprintf(stderr, "%s: vm '%.32s' console %d; Ctrl-] leaves\r\n", prog, f.vm.name, i);
		raw = old;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
	} else {
		tty = false;
	}
	console_copy(sock, tty);
	if (tty) {
		tcsetattr(0, TCSANOW, &old);
		fprintf(stderr, "\r\n%s: left vm '%.32s' console %d\n", prog, f.vm.name, i);
	}
	close(sock);
	return 0;
}

static int parse_level(const char *s, uint32_t *level)
{
	if (!strcmp(s, "0") || !strcmp(s, "1")) {
		*level = (uint32_t)(s[0] - '0');
		return 0;
	}
	return bad_usage("level '%s': must be 0 or 1", s);
}

static int cmd_irq(int argc, char **argv)
{
	struct lowvisor_irq_line req;
	uint32_t id, vcpu = 0, num, level;
	unsigned type;
	char what[160];
	int r;

	/* argv: VM KIND ... */
	if (argc < 2)
		return bad_usage("irq: %s", "missing VM and kind (spi, ppi or line)");
	if (!strcmp(argv[1], "spi")) {
		if (argc != 4)
			return bad_usage("irq %s spi: want INTID and 0|1", argv[0]);
		type = LOWVISOR_IRQ_TYPE_SPI;
		if (!parse_u32(argv[2], &num))
			return bad_usage("interrupt number '%s': not a number", argv[2]);
		if ((r = parse_level(argv[3], &level)))
			return r;
	} else if (!strcmp(argv[1], "ppi") || !strcmp(argv[1], "line")) {
		if (argc != 5)
			return bad_usage("irq %s: want VCPU, the interrupt and 0|1", argv[0]);
		if (!parse_u32(argv[2], &vcpu) || vcpu > LOWVISOR_IRQ_VCPU_MAX)
			return bad_usage("vCPU '%s': not a vCPU index", argv[2]);
		if (!strcmp(argv[1], "ppi")) {
			type = LOWVISOR_IRQ_TYPE_PPI;
			if (!parse_u32(argv[3], &num))
				return bad_usage("interrupt number '%s': not a number", argv[3]);
		} else {
			type = LOWVISOR_IRQ_TYPE_CPU;
			if (!strcmp(argv[3], "irq"))
				num = LOWVISOR_IRQ_CPU_IRQ;
			else if (!strcmp(argv[3], "fiq"))
				num = LOWVISOR_IRQ_CPU_FIQ;
			else
				return bad_usage("line '%s': must be irq or fiq", argv[3]);
		}
		if ((r = parse_level(argv[4], &level)))
			return r;
	} else {
		return bad_usage("irq kind '%s': must be spi, ppi or line", argv[1]);
	}
	if (num > LOWVISOR_IRQ_NUM_MASK)
		return fail("irq", EINVAL);
	if ((r = vm_id(argv[0], &id)))
		return r;
	memset(&req, 0, sizeof(req));
	req.vm = id;
	req.irq_level.irq = lowvisor_irq_encode(type, vcpu, num);
	req.irq_level.level = level;
	snprintf(what, sizeof(what), "irq %s %s %s%s%s %s", argv[0], argv[1], argv[2],
		 argc == 5 ? " " : "", argc == 5 ? argv[3] : "", argv[argc - 1]);
	if (ioctl(dev, LOWVISOR_IRQ_LINE, &req) < 0)
		return fail(what, errno);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		unsigned long req;
	} vm_cmds[] = {
		{ "pause", LOWVISOR_VM_PAUSE },
		{ "resume", LOWVISOR_VM_RESUME },
		{ "reset", LOWVISOR_VM_RESET },
		{ "stop", LOWVISOR_VM_STOP },
	};
	size_t i;

	if (argc < 2)
		return usage(stderr), 2;
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(vm_cmds) / sizeof(vm_cmds[0]); i++) {
		if (strcmp(argv[1], vm_cmds[i].name))
			continue;
		if (argc != 3)
			return bad_usage("%s: want one VM (a name or an id)", argv[1]);
		if (open_dev())
			return 1;
		return cmd_vm(argv[1], vm_cmds[i].req, argv[2]);
	}
	if (!strcmp(argv[1], "list")) {
		if (argc != 2)
			return bad_usage("list: %s", "takes no arguments");
		return open_dev() ? 1 : cmd_list();
	}
	if (!strcmp(argv[1], "devices")) {
		if (argc != 2)
			return bad_usage("devices: %s", "takes no arguments");
		return open_dev() ? 1 : cmd_devices();
	}
	if (!strcmp(argv[1], "console")) {
		if (argc != 3 && argc != 4)
			return bad_usage("console: %s", "want VM and optionally a device index");
		return open_dev() ? 1 : cmd_console(argv[2], argc == 4 ? argv[3] : NULL);
	}
	if (!strcmp(argv[1], "irq")) {
		if (open_dev())
			return 1;
		return cmd_irq(argc - 2, argv + 2);
	}
	return bad_usage("unknown command '%s'", argv[1]);
}
