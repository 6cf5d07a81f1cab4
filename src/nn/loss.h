/* loss — per-example weighted losses with their gradients.
 * Both return the loss and write d(loss)/d(input) (overwriting). A NULL
 * weight vector means every weight is 1. */
#ifndef OGAS_NN_LOSS_H
#define OGAS_NN_LOSS_H

/* loss = (1/B) Σ_i w_i · (1/D) Σ_j (pred_ij - target_ij)^2, pred/target (B,D). */
float mse_loss(float *dpred, const float *pred, const float *target, const float *w, int B, int D);

/* Binary cross-entropy on logits with label smoothing ls:
   y' = y(1 - ls) + ls/2; bce_i = max(x,0) - x·y' + log(1 + exp(-|x|));
   loss = (1/B) Σ_i w_i·bce_i; dlogit_i = w_i·(sigmoid(x_i) - y'_i)/B. */
float bce_logits_loss(float *dlogits, const float *logits, const float *labels, const float *w,
                      float label_smoothing, int B);

#endif
