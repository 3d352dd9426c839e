package io.eventrouter.sdk;

import java.util.Objects;

import io.eventrouter.core.event.EventField;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds a revenue event the way Amplitude's SDKs do: event type {@code revenue_amount} with
 * {@code $price}, {@code $quantity}, {@code $revenue} and the optional {@code $productId},
 * {@code $revenueType}, {@code $currency}, {@code $receipt} and {@code $receiptSig} in its event
 * properties. Start one with {@link Events#revenue(double)} or {@link EventPublisher#revenue(double)}.
 *
 * @since 0.1.0
 */
public final class RevenueBuilder extends BaseEventBuilder<RevenueBuilder> {

    /** The event type Amplitude's SDKs use for revenue. */
    public static final String EVENT_TYPE = "revenue_amount";

    private final double price;

    private int quantity = 1;

    private @Nullable Double revenue;

    RevenueBuilder(double price) {
        super(EVENT_TYPE);
        if (!Double.isFinite(price)) {
            throw new IllegalArgumentException("price must be a finite number, but was " + price);
        }
        this.price = price;
    }

    /** Sets how many units were sold; default 1. */
    public RevenueBuilder quantity(int quantity) {
        if (quantity < 1) {
            throw new IllegalArgumentException("quantity must be at least 1, but was " + quantity);
        }
        this.quantity = quantity;
        return this;
    }

    /** Sets the total, when it is not price times quantity, such as after a discount. */
    public RevenueBuilder revenue(double revenue) {
        if (!Double.isFinite(revenue)) {
            throw new IllegalArgumentException("revenue must be a finite number, but was " + revenue);
        }
        this.revenue = revenue;
        return this;
    }

    public RevenueBuilder productId(String productId) {
        return property("$productId", productId);
    }

    /** Sets the kind of revenue, such as {@code purchase} or {@code refund}. */
    public RevenueBuilder revenueType(String revenueType) {
        return property("$revenueType", revenueType);
    }

    /** Sets the ISO 4217 currency code, such as {@code EUR}. */
    public RevenueBuilder currency(String currency) {
        Objects.requireNonNull(currency, "currency");
        if (!currency.matches("[A-Z]{3}")) {
            throw new IllegalArgumentException("currency must be an ISO 4217 code of three upper-case letters, "
                    + "but was '" + currency + "'");
        }
        return property("$currency", currency);
    }

    /** Sets a store receipt and its signature, for revenue verification. */
    public RevenueBuilder receipt(String receipt, String receiptSignature) {
        property("$receipt", receipt);
        return property("$receiptSig", receiptSignature);
    }

    /** Sets another event property, next to the revenue fields. */
    public RevenueBuilder eventProperty(String name, @Nullable Object value) {
        return putNested(EventField.EVENT_PROPERTIES.jsonName(), name, value);
    }

    private RevenueBuilder property(String name, String value) {
        return putNested(EventField.EVENT_PROPERTIES.jsonName(), name, Objects.requireNonNull(value, name));
    }

    @Override
    void complete(ObjectNode event) {
        ObjectNode properties = event.withObjectProperty(EventField.EVENT_PROPERTIES.jsonName());
        properties.put("$price", this.price);
        properties.put("$quantity", this.quantity);
        properties.put("$revenue", (this.revenue != null) ? this.revenue : this.price * this.quantity);
    }

}
