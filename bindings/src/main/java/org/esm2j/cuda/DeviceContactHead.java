package org.esm2j.cuda;

import org.bytedeco.javacpp.FloatPointer;
import org.esm2j.model.Esm2Weights;
import org.esm2j.tensor.DType;

/**
 * The contact head's logistic regression in device memory: the (L*H) fp32 weight, channel {@code l * H + h} for head
 * h of layer l, so that each layer's heads are one contiguous slice, and the bias, which the finishing sigmoid takes
 * by value.
 */
final class DeviceContactHead implements AutoCloseable {
    private final DeviceBuffer weight;
    private final int heads;
    private final float bias;

    private DeviceContactHead(DeviceBuffer weight, int heads, float bias) {
        this.weight = weight;
        this.heads = heads;
        this.bias = bias;
    }

    /** Uploads the regression of these weights, or returns null when they carry no contact head. */
    static DeviceContactHead upload(Esm2Weights w) {
        if (!w.hasContactHead()) {
            return null;
        }
        float[] values = w.floats(Esm2Weights.CONTACT_WEIGHT);
        float bias = w.floats(Esm2Weights.CONTACT_BIAS)[0];
        DeviceBuffer device = DeviceBuffer.allocate(DType.F32, values.length, "contact weights");
        try (FloatPointer host = new FloatPointer(values)) {
            CudaDevice.upload(device, host.address(), device.bytes(), "contact weights");
        } catch (RuntimeException e) {
            device.closeQuietly();
            throw e;
        }
        return new DeviceContactHead(device, w.config().attentionHeads(), bias);
    }

    /** Layer l's slice of the regression weight: H fp32 values on the device. */
    FloatPointer layerWeight(int layer) {
        return weight.slice((long) layer * heads, heads).floats();
    }

    float bias() {
        return bias;
    }

    long bytes() {
        return weight.bytes();
    }

    @Override
    public void close() {
        weight.closeQuietly();
    }
}
