// Adyen's official Node.js library (`@adyen/api-library`, pinned in package.json) driving a
// running Countertop terminal's nexo listener, as an Adyen-integrated POS would. Started by
// tests/nexo_node_client.rs; prints "ok <step>" lines and exits non-zero on the first surprise.
//
// usage: node client.js <port> <ca.pem> <poiid> <scenario>
//   scenario "all": payment, declined payment, status after a dropped connection, abort,
//                   diagnosis, an unsupported service, a wrong key, the unencrypted variant
//   scenario "repeat:<TransactionID>:<amount>": one payment, its result printed as JSON
"use strict";

const { Client, TerminalLocalAPI } = require("@adyen/api-library");
// The unencrypted variant ships in the package but is not re-exported from its index.
const TerminalLocalAPIUnencrypted =
    require("@adyen/api-library/lib/src/services/terminalLocalAPIUnencrypted").default;
const assert = require("node:assert/strict");

const [port, caFile, poiId, scenario] = process.argv.slice(2);
const key = {
    AdyenCryptoVersion: 1,
    KeyIdentifier: "CryptoKeyIdentifier12345",
    KeyVersion: 1,
    Passphrase: "p@ssw0rd123456",
};

// The library appends ":8443/nexo/" to the endpoint (the port real terminals use). The test
// terminal listens on a free port instead; a fragment makes the appended text harmless.
function client(options = {}) {
    return new Client({
        apiKey: "not-checked-by-a-local-terminal",
        environment: "TEST",
        certificatePath: caFile,
        terminalApiLocalEndpoint: `https://127.0.0.1:${port}/nexo#`,
        ...options,
    });
}

let serviceCounter = Math.floor(Date.now() / 1000) % 100000;
function header(category) {
    serviceCounter += 1;
    return {
        ProtocolVersion: "3.0",
        MessageClass: "Service",
        MessageCategory: category,
        MessageType: "Request",
        SaleID: "node-pos-1",
        ServiceID: String(serviceCounter),
        POIID: poiId,
    };
}

function paymentRequest(transactionId, amount, options = {}) {
    const saleData = {
        SaleTransactionID: { TransactionID: transactionId, TimeStamp: new Date().toISOString() },
    };
    if (options.gratuity) {
        saleData.SaleToAcquirerData = "tenderOption=AskGratuity";
    }
    return {
        SaleToPOIRequest: {
            MessageHeader: header("Payment"),
            PaymentRequest: {
                SaleData: saleData,
                PaymentTransaction: { AmountsReq: { Currency: "EUR", RequestedAmount: amount } },
            },
        },
    };
}

function statusRequest(of) {
    return {
        SaleToPOIRequest: {
            MessageHeader: header("TransactionStatus"),
            TransactionStatusRequest: {
                MessageReference: {
                    MessageCategory: "Payment",
                    SaleID: of.SaleToPOIRequest.MessageHeader.SaleID,
                    ServiceID: of.SaleToPOIRequest.MessageHeader.ServiceID,
                },
            },
        },
    };
}

function checkHeader(response, category) {
    const h = response.SaleToPOIResponse.MessageHeader;
    assert.equal(h.MessageCategory, category);
    assert.equal(h.MessageType, "Response");
    assert.equal(h.POIID, poiId);
}

function checkApproved(payment, transactionId, amount) {
    assert.equal(payment.Response.Result, "Success", JSON.stringify(payment.Response));
    assert.equal(payment.SaleData.SaleTransactionID.TransactionID, transactionId);
    assert.ok(payment.POIData.POITransactionID.TransactionID, "POITransactionID");
    assert.ok(payment.POIData.POITransactionID.TimeStamp, "POITransactionID time stamp");
    const result = payment.PaymentResult;
    assert.equal(result.AmountsResp.Currency, "EUR");
    assert.equal(result.AmountsResp.AuthorizedAmount, amount);
    const card = result.PaymentInstrumentData.CardData;
    assert.equal(card.PaymentBrand, "visa");
    assert.match(card.MaskedPan, /^\*+4242$/);
    assert.match(result.PaymentAcquirerData.ApprovalCode, /^[0-9A-Z]+$/);
    // Nothing of the card beyond brand and last four digits.
    const present = Object.keys(card).filter((k) => card[k] !== undefined).sort();
    assert.deepEqual(present, ["EntryMode", "MaskedPan", "PaymentBrand"]);
    return result.PaymentAcquirerData.ApprovalCode;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function all() {
    const api = new TerminalLocalAPI(client());

    // 1. A payment, approved.
    const pay1 = paymentRequest("nexo-pay-1", 12.34);
    const r1 = await api.request(pay1, key);
    checkHeader(r1, "Payment");
    const code1 = checkApproved(r1.SaleToPOIResponse.PaymentResponse, "nexo-pay-1", 12.34);
    console.log(`ok payment approved ${code1}`);
    console.log(`approval nexo-pay-1 ${code1}`);

    // 2. A payment, declined (the reader's second card has insufficient funds).
    const r2 = await api.request(paymentRequest("nexo-pay-2", 20), key);
    const p2 = r2.SaleToPOIResponse.PaymentResponse;
    assert.equal(p2.Response.Result, "Failure");
    assert.equal(p2.Response.ErrorCondition, "Refusal");
    assert.match(p2.Response.AdditionalResponse, /refusalReason=/);
    console.log("ok payment declined");

    // 3. The connection drops while the shopper pays; the POS asks for the status instead of
    //    paying again, then repeats the request: the same approval, charged once.
    const impatient = new TerminalLocalAPI(client({ connectionTimeoutMillis: 300 }));
    const pay3 = paymentRequest("nexo-pay-3", 7.5);
    await assert.rejects(impatient.request(pay3, key));
    let repeated;
    let sawInProgress = false;
    for (let attempt = 0; attempt < 100; attempt += 1) {
        const s = await api.request(statusRequest(pay3), key);
        checkHeader(s, "TransactionStatus");
        const status = s.SaleToPOIResponse.TransactionStatusResponse;
        if (status.Response.Result === "Success") {
            repeated = status.RepeatedMessageResponse;
            break;
        }
        assert.equal(status.Response.ErrorCondition, "InProgress", JSON.stringify(status.Response));
        sawInProgress = true;
        await sleep(100);
    }
    assert.ok(sawInProgress, "the first status query comes while the payment is in progress");
    assert.ok(repeated, "the payment finished");
    assert.equal(repeated.MessageHeader.MessageCategory, "Payment");
    assert.equal(repeated.MessageHeader.ServiceID, pay3.SaleToPOIRequest.MessageHeader.ServiceID);
    const code3 = checkApproved(repeated.RepeatedResponseMessageBody.PaymentResponse, "nexo-pay-3", 7.5);
    const again = await api.request(paymentRequest("nexo-pay-3", 7.5), key);
    assert.equal(checkApproved(again.SaleToPOIResponse.PaymentResponse, "nexo-pay-3", 7.5), code3);
    console.log("ok status after a dropped connection");

    // 4. Abort while the shopper is choosing a tip (before the gateway).
    const pay4 = paymentRequest("nexo-pay-4", 30, { gratuity: true });
    const pending = api.request(pay4, key);
    await sleep(500);
    const abort = {
        SaleToPOIRequest: {
            MessageHeader: header("Abort"),
            AbortRequest: {
                AbortReason: "MerchantAbort",
                MessageReference: {
                    MessageCategory: "Payment",
                    SaleID: pay4.SaleToPOIRequest.MessageHeader.SaleID,
                    ServiceID: pay4.SaleToPOIRequest.MessageHeader.ServiceID,
                },
            },
        },
    };
    const abortAnswer = await api.request(abort, key);
    assert.equal(abortAnswer.SaleToPOIResponse, undefined);
    const p4 = (await pending).SaleToPOIResponse.PaymentResponse;
    assert.equal(p4.Response.Result, "Failure");
    assert.equal(p4.Response.ErrorCondition, "Aborted");
    console.log("ok abort");

    // 5. Diagnosis.
    const d = await api.request({ SaleToPOIRequest: { MessageHeader: header("Diagnosis"), DiagnosisRequest: { HostDiagnosisFlag: false } } }, key);
    checkHeader(d, "Diagnosis");
    const diagnosis = d.SaleToPOIResponse.DiagnosisResponse;
    assert.equal(diagnosis.Response.Result, "Success");
    assert.ok(["OK", "Busy"].includes(diagnosis.POIStatus.GlobalStatus), diagnosis.POIStatus.GlobalStatus);
    console.log("ok diagnosis");

    // 6. A service the terminal does not offer: a proper failure, not a hang.
    const rev = await api.request({
        SaleToPOIRequest: {
            MessageHeader: header("Reversal"),
            ReversalRequest: { ReversalReason: "MerchantCancel", OriginalPOITransaction: { POITransactionID: { TransactionID: "x", TimeStamp: new Date().toISOString() } } },
        },
    }, key);
    const reversal = rev.SaleToPOIResponse.ReversalResponse;
    assert.equal(reversal.Response.Result, "Failure");
    assert.equal(reversal.Response.ErrorCondition, "UnavailableService");
    console.log("ok unsupported service");

    // 7. The wrong key: refused, nothing started.
    const wrongKey = { ...key, Passphrase: "not-the-passphrase" };
    const forged = paymentRequest("nexo-wrong-key", 5);
    await assert.rejects(api.request(forged, wrongKey), /401|Unauthorized|HMAC|key/i);
    const s7 = await api.request(statusRequest(forged), key);
    assert.equal(s7.SaleToPOIResponse.TransactionStatusResponse.Response.ErrorCondition, "NotFound");
    console.log("ok wrong key refused");

    // 8. Adyen's unencrypted variant (test set-ups; on here by configuration).
    const plain = new TerminalLocalAPIUnencrypted(client());
    const u = await plain.request({ SaleToPOIRequest: { MessageHeader: header("Diagnosis"), DiagnosisRequest: { HostDiagnosisFlag: false } } });
    checkHeader(u, "Diagnosis");
    assert.equal(u.SaleToPOIResponse.DiagnosisResponse.Response.Result, "Success");
    console.log("ok unencrypted variant");
}

async function repeat(transactionId, amount) {
    const api = new TerminalLocalAPI(client());
    const r = await api.request(paymentRequest(transactionId, Number(amount)), key);
    console.log(`result ${JSON.stringify(r.SaleToPOIResponse.PaymentResponse)}`);
}

const run = scenario === "all" ? all() : repeat(...scenario.split(":").slice(1));
run.then(
    () => console.log("done"),
    (error) => {
        console.error(`FAILED: ${error && error.stack ? error.stack : error}`);
        process.exit(1);
    },
);
