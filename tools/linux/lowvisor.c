// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * lowvisor.ko: /dev/lowvisor for the management partition's Linux.
 *
 * Built out of tree against Debian's linux-headers of the armmp kernel it
 * runs on (tools/linux/linux-tools.mk), loaded with insmod.  Each ioctl
 * (tools/linux/lowvisor-dev.h) is one of Lowvisor's management hypercalls
 * (include/uapi/lowvisor.h), made with HVC #0 through the kernel's SMCCC
 * helper; the hypervisor's negative errno is the ioctl's result.
 *
 * It loads only where it can work: SMCCC 1.1 by HVC (a guest of a
 * hypervisor), CALL_UID answering Lowvisor's UUID, and VM_LIST accepted
 * (this VM is marked `management`).  Otherwise it says why in the kernel
 * log and insmod fails.
 *
 * GPL symbols (arm_smccc_1_1_get_conduit) make it dual-licensed.
 */
#include <linux/arm-smccc.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/memory.h>

#include "lowvisor-dev.h"

static long hvc(u32 fn, u32 a1, u32 a2, u32 a3, struct arm_smccc_res *res)
{
	arm_smccc_hvc(fn, a1, a2, a3, 0, 0, 0, 0, res);
	return (s32)res->a0;
}

/* VM_LIST into a kernel buffer (physically contiguous, in lowmem: its
 * physical address is the IPA the hypervisor writes). */
static long vm_list(struct lowvisor_vm_list *l)
{
	struct arm_smccc_res res;
	long ret;

	ret = hvc(LOWVISOR_FN_VM_LIST, (u32)virt_to_phys(l->vms), sizeof(l->vms), l->first,
		  &res);
	if (ret < 0)
		return ret;
	l->count = (u32)res.a0;
	l->total = (u32)res.a1;
	return 0;
}

static long do_irq_line(void __user *arg)
{
	struct lowvisor_irq_line req;
	struct arm_smccc_res res;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	return hvc(LOWVISOR_FN_IRQ_LINE, req.vm, req.irq_level.irq, req.irq_level.level, &res);
}

static long do_vm_list(void __user *arg)
{
	struct lowvisor_vm_list *l = kzalloc(sizeof(*l), GFP_KERNEL);
	long ret;

	if (!l)
		return -ENOMEM;
	if (copy_from_user(&l->first, arg, sizeof(l->first))) {
		kfree(l);
		return -EFAULT;
	}
	ret = vm_list(l);
	if (!ret && copy_to_user(arg, l, sizeof(*l)))
		ret = -EFAULT;
	kfree(l);
	return ret;
}

static long do_vm_call(u32 fn, void __user *arg)
{
	struct arm_smccc_res res;
	u32 vm;

	if (get_user(vm, (u32 __user *)arg))
		return -EFAULT;
	return hvc(fn, vm, 0, 0, &res);
}

static long lowvisor_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	void __user *p = (void __user *)arg;

	switch (cmd) {
	case LOWVISOR_IRQ_LINE:
		return do_irq_line(p);
	case LOWVISOR_VM_LIST:
		return do_vm_list(p);
	case LOWVISOR_VM_PAUSE:
		return do_vm_call(LOWVISOR_FN_VM_PAUSE, p);
	case LOWVISOR_VM_RESUME:
		return do_vm_call(LOWVISOR_FN_VM_RESUME, p);
	case LOWVISOR_VM_RESET:
		return do_vm_call(LOWVISOR_FN_VM_RESET, p);
	case LOWVISOR_VM_STOP:
		return do_vm_call(LOWVISOR_FN_VM_STOP, p);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations lowvisor_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = lowvisor_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice lowvisor_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "lowvisor",
	.fops = &lowvisor_fops,
	.mode = 0600,
};

/* Are we Lowvisor's management partition?  0, or why not. */
static int check_hypervisor(void)
{
	struct arm_smccc_res res;
	struct lowvisor_vm_list *l;
	long ret;

	if (arm_smccc_1_1_get_conduit() != SMCCC_CONDUIT_HVC) {
		pr_err("lowvisor: no SMCCC 1.1 hypervisor calls (HVC) here: not a Lowvisor guest\n");
		return -ENODEV;
	}
	hvc(LOWVISOR_FN_CALL_UID, 0, 0, 0, &res);
	if (res.a0 != LOWVISOR_UID_0 || res.a1 != LOWVISOR_UID_1 || res.a2 != LOWVISOR_UID_2 ||
	    res.a3 != LOWVISOR_UID_3) {
		pr_err("lowvisor: the hypervisor is not Lowvisor (CALL_UID %08lx %08lx %08lx %08lx)\n",
		       res.a0, res.a1, res.a2, res.a3);
		return -ENODEV;
	}
	hvc(LOWVISOR_FN_REVISION, 0, 0, 0, &res);
	if (res.a0 != LOWVISOR_ABI_MAJOR) {
		pr_err("lowvisor: hypervisor ABI %lu.%lu, this module speaks %u.%u\n", res.a0,
		       res.a1, LOWVISOR_ABI_MAJOR, LOWVISOR_ABI_MINOR);
		return -ENODEV;
	}
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	ret = vm_list(l);
	if (ret == -EPERM)
		pr_err("lowvisor: this VM is not Lowvisor's management partition (VM_LIST: "
		       "permission denied); give it `management;` in the configuration\n");
	else if (ret)
		pr_err("lowvisor: VM_LIST failed: %ld\n", ret);
	else
		pr_info("lowvisor: management partition of Lowvisor (ABI %u.%u), %u VMs\n",
			LOWVISOR_ABI_MAJOR, LOWVISOR_ABI_MINOR, l->total);
	kfree(l);
	return ret ? (int)ret : 0;
}

static int __init lowvisor_init(void)
{
	int err = check_hypervisor();

	if (err)
		return err;
	err = misc_register(&lowvisor_dev);
	if (err)
		pr_err("lowvisor: cannot register /dev/lowvisor: %d\n", err);
	return err;
}

static void __exit lowvisor_exit(void)
{
	misc_deregister(&lowvisor_dev);
}

module_init(lowvisor_init);
module_exit(lowvisor_exit);
MODULE_DESCRIPTION("Lowvisor management partition: /dev/lowvisor");
MODULE_LICENSE("Dual MIT/GPL");
